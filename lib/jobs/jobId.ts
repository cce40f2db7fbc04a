import { createHash } from "node:crypto";
import type { JobSource } from "./types.js";

/**
 * The id of the job of one upload: a hash of the bucket, the key and the version id (without versioning, the S3
 * event's sequencer), so the same upload delivered twice finds the same job, and a re-upload (a new version or a
 * new sequencer) is a new job. `j-` and 20 hex digits (80 bits).
 *
 * @example
 * jobIdFor({ bucket: "b", key: "incoming/users.csv", versionId: "3HL4kqtJlcpXroDTDmJ" }) // "j-5f0c…"
 */
export function jobIdFor(source: JobSource): string {
  const upload = source.versionId ? `v:${source.versionId}` : `s:${source.sequencer ?? ""}`;
  const hash = createHash("sha256")
    .update(`${source.bucket}\u0000${source.key}\u0000${upload}`)
    .digest("hex");
  return `j-${hash.slice(0, 20)}`;
}

/** Whether `text` has the shape of a job id (so `status` can tell an id from an object key). */
export function isJobId(text: string): boolean {
  return /^j-[0-9a-f]{20}$/.test(text);
}
