import type { S3Event } from "aws-lambda";
import { encodeEventKey, objectCreatedEvent } from "../../lib/local/objectCreatedEvent.js";

/** The object of an S3 ObjectCreated record. */
export interface CreatedObject {
  bucket: string;
  /** The key as stored; the record carries it URL-encoded, as S3 does (a space as `+`). */
  key: string;
  eTag?: string;
  versionId?: string;
  size?: number;
}

/** Encodes a key as S3 event notifications do: URL-encoded, with `+` for a space (the local runner's encoder). */
export const encodeS3EventKey = encodeEventKey;

/**
 * An S3 event with one ObjectCreated record per object, built by the same code the local runner uses, so the
 * tests and `npm start` feed the handler identical events.
 */
export function makeS3Event(...objects: CreatedObject[]): S3Event {
  return {
    Records: objects.flatMap((object) => objectCreatedEvent({ ...object, size: object.size ?? 0 }).Records),
  };
}
