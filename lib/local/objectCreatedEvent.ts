import { randomBytes } from "node:crypto";
import type { S3Event } from "aws-lambda";

/** The uploaded object an event announces. */
export interface CreatedObject {
  bucket: string;
  key: string;
  size: number;
  eTag?: string;
  versionId?: string;
  /**
   * Tells uploads of one key apart in an unversioned bucket (the job id uses it).
   * @default a new one: the time in hex and 32 random bits, so every local upload is a new job
   */
  sequencer?: string;
  /** @default "us-east-1" */
  region?: string;
}

/** Encodes a key as S3 notifications do: URL-encoded, spaces as `+`, slashes kept. */
export function encodeEventKey(key: string): string {
  return key
    .split("/")
    .map((part) => encodeURIComponent(part).replaceAll("%20", "+"))
    .join("/");
}

/**
 * The `s3:ObjectCreated:CompleteMultipartUpload` event S3 would send the ingest function for an upload, with
 * the key URL-encoded the way S3 encodes it (a handler must decode it).
 *
 * @example
 * const [summary] = await ingest(objectCreatedEvent({ bucket, key: "incoming/users.csv", size }));
 */
export function objectCreatedEvent(object: CreatedObject): S3Event {
  const region = object.region ?? "us-east-1";
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: region,
        eventTime: new Date().toISOString(),
        eventName: "ObjectCreated:CompleteMultipartUpload",
        userIdentity: { principalId: "local" },
        requestParameters: { sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": "local", "x-amz-id-2": "local" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "factor-sync-incoming",
          bucket: {
            name: object.bucket,
            ownerIdentity: { principalId: "local" },
            arn: `arn:aws:s3:::${object.bucket}`,
          },
          object: {
            key: encodeEventKey(object.key),
            size: object.size,
            eTag: object.eTag ?? "",
            ...(object.versionId ? { versionId: object.versionId } : {}),
            sequencer:
              object.sequencer ?? `${Date.now().toString(16)}${randomBytes(4).toString("hex")}`.toUpperCase(),
          },
        },
      },
    ],
  };
}
