/**
 * Which records of an invocation failed, read from the function's response the way Lambda reads a partial
 * batch response (ReportBatchItemFailures): a missing or empty `batchItemFailures` is full success; an item
 * without a valid `itemIdentifier`, or naming a message not in the batch, fails the whole batch.
 */
export type BatchVerdict =
  | { kind: "failed-items"; messageIds: ReadonlySet<string> }
  | { kind: "whole-batch"; reason: string };

/**
 * Reads a handler's response against the message ids of its batch.
 *
 * @example
 * readBatchResponse({ batchItemFailures: [{ itemIdentifier: "m-2" }] }, ["m-1", "m-2"]);
 * // { kind: "failed-items", messageIds: Set { "m-2" } }
 */
export function readBatchResponse(response: unknown, batchIds: readonly string[]): BatchVerdict {
  if (response === undefined || response === null) return { kind: "failed-items", messageIds: new Set() };
  if (typeof response !== "object" || Array.isArray(response)) {
    return { kind: "whole-batch", reason: "the response is not a batch response object" };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: "failed-items", messageIds: new Set() };
  if (!Array.isArray(failures)) return { kind: "whole-batch", reason: "batchItemFailures is not a list" };
  const inBatch = new Set(batchIds);
  const messageIds = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "") {
      return { kind: "whole-batch", reason: "a batch item failure has no itemIdentifier" };
    }
    if (!inBatch.has(id)) {
      return { kind: "whole-batch", reason: `itemIdentifier ${id} is not a message of this batch` };
    }
    messageIds.add(id);
  }
  return { kind: "failed-items", messageIds };
}
