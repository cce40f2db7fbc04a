import { describe, expect, it } from "vitest";
import { decodeS3Key } from "../../../lib/ingest/decodeS3Key.js";
import { encodeS3EventKey } from "../../helpers/s3Event.js";

describe("decodeS3Key", () => {
  it.each([
    ["incoming/users.csv", "incoming/users.csv"],
    ["incoming/my+users.csv", "incoming/my users.csv"],
    ["incoming/a%2Bb.csv", "incoming/a+b.csv"],
    ["incoming/caf%C3%A9+%282026%29.jsonl.gz", "incoming/café (2026).jsonl.gz"],
  ])("decodes %s to %s", (encoded, key) => {
    expect(decodeS3Key(encoded)).toBe(key);
  });

  it("undoes the encoding S3 applies to event keys", () => {
    const key = "incoming/Q1 users+extra/ü&=?.csv";
    expect(decodeS3Key(encodeS3EventKey(key))).toBe(key);
  });
});
