import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ApplyJobs } from "../../../lib/jobs/ApplyJobs.js";
import { JobStatusError } from "../../../lib/jobs/errors.js";
import type { JobStore } from "../../../lib/jobs/JobStore.js";
import type { Job } from "../../../lib/jobs/types.js";
import { silentLogger } from "../../../lib/logging/Logger.js";

/** A store that only pauses: counts the calls, and refuses jobs named `done-*` as finished. */
function pausingStore() {
  const calls: string[] = [];
  const store = {
    async pause(id: string, reason: string) {
      calls.push(`${id}: ${reason}`);
      if (id.startsWith("done-")) throw new JobStatusError(id, "complete", "pause");
      return { id, status: "paused", reason } as Job;
    },
  } as unknown as JobStore;
  return { store, calls };
}

describe("ApplyJobs.pause", () => {
  it("pauses each job once a minute per container, and leaves a finished job as it is", async () => {
    const { store, calls } = pausingStore();
    let now = 0;
    const jobs = new ApplyJobs({ store, s3: {} as S3Client, logger: silentLogger, clock: () => now });
    await jobs.pause(["j1", "j1", "done-1"], "r");
    now = 59_999;
    await jobs.pause(["j1", "j2"], "r");
    now = 60_000;
    await jobs.pause(["j1"], "r");
    expect(calls).toEqual(["j1: r", "done-1: r", "j2: r", "j1: r"]);
  });
});
