import { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { CheckpointStateError } from "./errors.js";
import { UserPlaces } from "./UserPlaces.js";

/** Where one object of a job's ingest state lives. */
export interface StateObject {
  s3: S3Client;
  bucket: string;
  key: string;
}

/**
 * Writes pass 1's table of users (about 13 bytes a user) to S3 for the invocations that continue the ingest:
 * streamed as a multipart upload, so memory does not double for a large file.
 *
 * @example
 * await savePlaces({ s3, bucket, key: ".../places.bin" }, reader.places);
 */
export async function savePlaces(at: StateObject, places: UserPlaces): Promise<void> {
  await new Upload({
    client: at.s3,
    params: {
      Bucket: at.bucket,
      Key: at.key,
      Body: Readable.from(places.serialise()),
      ContentType: "application/octet-stream",
    },
  }).done();
}

/**
 * Reads back a table written by {@link savePlaces}.
 *
 * @throws {@link CheckpointStateError} when it is missing or damaged.
 */
export async function loadPlaces(at: StateObject): Promise<UserPlaces> {
  const response = await at.s3
    .send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key }))
    .catch((error: unknown) => {
      const name = error instanceof Error ? error.name : "";
      if (name === "NoSuchKey" || name === "NotFound") {
        throw new CheckpointStateError(`pass 1's table of users is missing (${at.key})`);
      }
      throw error;
    });
  if (!(response.Body instanceof Readable)) throw new TypeError("GetObject returned no readable body");
  return UserPlaces.restore(response.Body as AsyncIterable<Buffer>);
}

/** Removes a state object once the ingest has finished. */
export async function deleteStateObject(at: StateObject): Promise<void> {
  await at.s3.send(new DeleteObjectCommand({ Bucket: at.bucket, Key: at.key }));
}
