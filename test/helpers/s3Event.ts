import type { S3Event, S3EventRecord } from "aws-lambda";

/** The object of an S3 ObjectCreated record. */
export interface CreatedObject {
  bucket: string;
  /** The key as stored; the record carries it URL-encoded, as S3 does (a space as `+`). */
  key: string;
  eTag?: string;
  versionId?: string;
  size?: number;
}

/** Encodes a key as S3 event notifications do: URL-encoded, with `+` for a space. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replaceAll("%20", "+").replaceAll("%2F", "/");
}

/** A complete `ObjectCreated:Put` record, as S3 sends it. */
export function makeS3EventRecord(object: CreatedObject): S3EventRecord {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "us-east-1",
    eventTime: "2026-11-29T18:00:00.000Z",
    eventName: "ObjectCreated:Put",
    userIdentity: { principalId: "AWS:AIDAEXAMPLE" },
    requestParameters: { sourceIPAddress: "127.0.0.1" },
    responseElements: { "x-amz-request-id": "EXAMPLE123456789", "x-amz-id-2": "EXAMPLE/id2" },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "incoming",
      bucket: {
        name: object.bucket,
        ownerIdentity: { principalId: "EXAMPLE" },
        arn: `arn:aws:s3:::${object.bucket}`,
      },
      object: {
        key: encodeS3EventKey(object.key),
        size: object.size ?? 0,
        eTag: object.eTag ?? "",
        ...(object.versionId !== undefined ? { versionId: object.versionId } : {}),
        sequencer: "0055AED6DCD90281E5",
      },
    },
  };
}

/** An S3 event with one ObjectCreated record per object. */
export function makeS3Event(...objects: CreatedObject[]): S3Event {
  return { Records: objects.map(makeS3EventRecord) };
}
