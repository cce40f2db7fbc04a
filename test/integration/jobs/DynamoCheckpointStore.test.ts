import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestCheckpoint } from "../../../lib/ingest/IngestCheckpoint.js";
import { DynamoCheckpointStore } from "../../../lib/jobs/DynamoCheckpointStore.js";
import { jobIdFor } from "../../../lib/jobs/jobId.js";
import { startJobsTable, type TestJobsTable } from "../../helpers/jobsTable.js";

const AT = "2026-12-01T12:00:00.000Z";
let jobs: TestJobsTable;
let checkpoints: DynamoCheckpointStore;
let counter = 0;

beforeAll(async () => {
  jobs = await startJobsTable({ clock: () => Date.parse(AT) });
  checkpoints = new DynamoCheckpointStore({
    client: jobs.table.client,
    tableName: jobs.table.tableName,
    clock: () => Date.parse(AT),
  });
});
afterAll(() => jobs.stop());

async function newJob(): Promise<string> {
  counter += 1;
  const source = { bucket: "b", key: `incoming/cp${counter}.csv`, sequencer: `00${counter}` };
  const id = jobIdFor(source);
  await jobs.store.createJob({ id, source, startedAt: AT });
  return id;
}

function checkpoint(seq: number): IngestCheckpoint {
  return {
    version: 1,
    seq,
    pass: 1,
    position: { byte: 100 * seq, line: 10 * seq },
    source: { bucket: "b", key: "incoming/cp.csv" },
    settings: { allowClear: false, full: false, phoneCheck: "strict" },
    summary: { users: 9, valid: 9, rejected: 0, duplicated: 0, methods: 9, lines: 10, bytes: 100 },
    progress: { users: 0, valid: 0, rejected: 0 },
    fanout: { sent: 0, failedToSend: 0, unchanged: 0 },
    reservation: { reserved: 0, rounds: 0, cancelled: false },
    places: `reports/.ingest/x/places-${seq}.bin`,
    reports: { rejectsParts: seq, unsentParts: 0 },
    startedAt: AT,
    savedAt: AT,
  };
}

describe("DynamoCheckpointStore: claim and save are safe to retry", () => {
  it("a save retried by the same invocation (its first response lost) succeeds; another invocation's conflicts", async () => {
    const jobId = await newJob();
    await checkpoints.save(jobId, checkpoint(1), "first");
    await expect(checkpoints.save(jobId, checkpoint(1), "first")).resolves.toBeUndefined();
    await expect(checkpoints.save(jobId, checkpoint(1), "other")).rejects.toMatchObject({
      name: "CheckpointConflictError",
    });
    const claim = await checkpoints.claim(jobId, 1, 900_000, "second");
    expect(claim.claimed).toBe(true);
    await checkpoints.save(jobId, checkpoint(2), "second");
    await expect(checkpoints.save(jobId, checkpoint(2), "second")).resolves.toBeUndefined();
    await expect(checkpoints.save(jobId, checkpoint(2), "third")).rejects.toMatchObject({
      name: "CheckpointConflictError",
    });
    expect((await jobs.store.getJob(jobId))?.checkpoint).toEqual(checkpoint(2));
  });

  it("a claim retried by the same holder gets the checkpoint again and is counted once; another holder gets nothing", async () => {
    const jobId = await newJob();
    await checkpoints.save(jobId, checkpoint(1), "first");
    const once = await checkpoints.claim(jobId, 1, 900_000, "holder");
    const again = await checkpoints.claim(jobId, 1, 900_000, "holder");
    expect(once).toEqual({ claimed: true, checkpoint: checkpoint(1), reserveRounds: 0 });
    expect(again).toEqual(once);
    expect(await checkpoints.claim(jobId, 1, 900_000, "someone else")).toMatchObject({ claimed: false });
    // The first invocation (the job created) and this claim, once.
    expect((await jobs.store.getJob(jobId))?.ingestInvocations).toBe(2);
    // The holder goes on: its next checkpoint is saved.
    await checkpoints.save(jobId, checkpoint(2), "holder");
    expect((await jobs.store.getJob(jobId))?.checkpoint).toEqual(checkpoint(2));
  });
});
