import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CheckpointStateError } from "./errors.js";
import type { StateObject } from "./placesObject.js";

/**
 * Writes the message of pass 1's file error beside the ingest's other state in S3 (where reports go, under the
 * bucket's KMS key): the message may quote the file (a header cell), so the checkpoint in the job item keeps only
 * the error's name and line.
 *
 * @example
 * await saveFileErrorMessage({ s3, bucket, key: `${statePrefix}/file-error.txt` }, error.message);
 */
export async function saveFileErrorMessage(at: StateObject, message: string): Promise<void> {
  await at.s3.send(
    new PutObjectCommand({
      Bucket: at.bucket,
      Key: at.key,
      Body: message,
      ContentType: "text/plain; charset=utf-8",
    }),
  );
}

/**
 * Reads back a message written by {@link saveFileErrorMessage}.
 *
 * @throws {@link CheckpointStateError} when it is missing.
 * @example
 * const message = await loadFileErrorMessage({ s3, bucket, key: `${statePrefix}/file-error.txt` });
 */
export async function loadFileErrorMessage(at: StateObject): Promise<string> {
  const response = await at.s3
    .send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key }))
    .catch((error: unknown) => {
      const name = error instanceof Error ? error.name : "";
      if (name === "NoSuchKey" || name === "NotFound") {
        throw new CheckpointStateError(`pass 1's file error is missing (${at.key})`);
      }
      throw error;
    });
  return (await response.Body?.transformToString("utf8")) ?? "";
}
