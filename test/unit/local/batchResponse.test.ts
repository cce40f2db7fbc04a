import { describe, expect, it } from "vitest";
import { readBatchResponse } from "../../../lib/local/batchResponse.js";

const ids = ["m-1", "m-2", "m-3"];

describe("readBatchResponse", () => {
  it.each([undefined, null, {}, { batchItemFailures: null }, { batchItemFailures: [] }])(
    "reads %j as full success",
    (response) => {
      expect(readBatchResponse(response, ids)).toEqual({ kind: "failed-items", messageIds: new Set() });
    },
  );

  it("names the failed items", () => {
    const response = { batchItemFailures: [{ itemIdentifier: "m-3" }, { itemIdentifier: "m-1" }] };

    expect(readBatchResponse(response, ids)).toEqual({
      kind: "failed-items",
      messageIds: new Set(["m-1", "m-3"]),
    });
  });

  it.each([
    [[], "the response is not a batch response object"],
    [{ batchItemFailures: "m-1" }, "batchItemFailures is not a list"],
    [{ batchItemFailures: [{ itemIdentifier: null }] }, "a batch item failure has no itemIdentifier"],
    [{ batchItemFailures: [{ id: "m-1" }] }, "a batch item failure has no itemIdentifier"],
    [{ batchItemFailures: [{ itemIdentifier: "m-9" }] }, "itemIdentifier m-9 is not a message of this batch"],
  ])("fails the whole batch for %j", (response, reason) => {
    expect(readBatchResponse(response, ids)).toEqual({ kind: "whole-batch", reason });
  });
});
