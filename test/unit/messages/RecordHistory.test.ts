import { describe, expect, it } from "vitest";
import { toSqsRecord } from "../../../lib/local/sqsRecord.js";
import { readRecordHistory, toHistoryAttributes } from "../../../lib/messages/RecordHistory.js";
import { sqsRecord, TEST_QUEUE_ARN } from "../../helpers/applyRecords.js";

describe("RecordHistory", () => {
  it("starts a record that was never requeued at its own SentTimestamp, with no attempts", () => {
    expect(readRecordHistory(sqsRecord("{}"))).toEqual({
      attempts: 0,
      firstSentAtMs: Date.UTC(2026, 10, 29, 18),
      holds: 0,
    });
  });

  it("falls back to now when the record has no SentTimestamp", () => {
    const record = sqsRecord("{}");
    record.attributes.SentTimestamp = "";
    expect(readRecordHistory(record, 42)).toEqual({ attempts: 0, firstSentAtMs: 42, holds: 0 });
  });

  it("survives the trip through message attributes of a requeued message", () => {
    const history = { attempts: 7, firstFailureAtMs: 1764439260000, firstSentAtMs: 1764439200000, holds: 31 };
    const record = toSqsRecord(
      {
        MessageId: "m-2",
        ReceiptHandle: "rh",
        Body: "{}",
        Attributes: { SentTimestamp: "1764449999000", ApproximateReceiveCount: "1" },
        MessageAttributes: toHistoryAttributes(history),
      },
      TEST_QUEUE_ARN,
    );
    expect(readRecordHistory(record)).toEqual(history);
  });

  it("writes four Number attributes, three when no attempt has failed yet", () => {
    expect(toHistoryAttributes({ attempts: 0, firstSentAtMs: 5, holds: 1 })).toEqual({
      "fs-attempts": { DataType: "Number", StringValue: "0" },
      "fs-first-sent-at": { DataType: "Number", StringValue: "5" },
      "fs-holds": { DataType: "Number", StringValue: "1" },
    });
  });

  it("ignores attributes that are not non-negative numbers", () => {
    const record = sqsRecord("{}");
    record.messageAttributes = {
      "fs-attempts": { stringValue: "-3", dataType: "Number" },
      "fs-holds": { stringValue: "many", dataType: "Number" },
    };
    expect(readRecordHistory(record)).toEqual({
      attempts: 0,
      firstSentAtMs: Date.UTC(2026, 10, 29, 18),
      holds: 0,
    });
  });
});
