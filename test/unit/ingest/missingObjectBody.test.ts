import { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { MissingObjectBodyError } from "../../../lib/ingest/errors.js";
import { ingestObject } from "../../../lib/ingest/ingestObject.js";

const CSV = "user_id,type,totp_secret\nauth0|1,totp,JBSWY3DPEHPK3PXP\n";

/** An S3 that answers GetObject with a body only the first `withBody` times (an S3 fault after that). */
function s3Answering(withBody: number) {
  const calls: string[] = [];
  const s3 = {
    send: async (command: object) => {
      calls.push(command.constructor.name);
      return calls.length <= withBody ? { Body: Readable.from([Buffer.from(CSV)]), ETag: '"e1"' } : {};
    },
  } as unknown as S3Client;
  return { s3, calls };
}

describe("ingestObject when S3 returns no body", () => {
  it.each([
    [0, 1],
    [1, 2],
  ] as const)(
    "throws MissingObjectBodyError, not a TypeError (bodies given: %i, pass %i)",
    async (withBody, pass) => {
      const { s3, calls } = s3Answering(withBody);
      const sqs = { send: async () => ({ Successful: [] }) } as unknown as SQSClient;
      const error = await ingestObject(
        { bucket: "in", key: "incoming/users.csv" },
        { s3, sqs, queueUrl: "https://sqs.example/q" },
      ).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MissingObjectBodyError);
      expect(error).toMatchObject({
        bucket: "in",
        key: "incoming/users.csv",
        pass,
        message: `GetObject returned no readable body for s3://in/incoming/users.csv (pass ${pass})`,
      });
      expect(calls).toEqual(Array(pass).fill("GetObjectCommand"));
    },
  );
});
