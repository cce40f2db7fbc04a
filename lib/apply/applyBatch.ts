import type { SQSRecord } from "aws-lambda";
import pLimit from "p-limit";
import type { TransientOutcome } from "../auth0/PutOutcome.js";
import type { DeadLetterReason } from "../messages/DeadLetter.js";
import {
  MalformedMessageError,
  parseUserFactorsMessage,
  type UserFactorsMessage,
} from "../messages/UserFactorsMessage.js";
import { backoffDelayMs } from "../pacing/backoff.js";
import { realSleep } from "../pacing/sleep.js";
import { reasonFromOutcome } from "./deadLetterReason.js";
import type {
  ApplyBatchResult,
  ApplyCounts,
  ApplyDeps,
  ApplyOutcomeEvent,
  RedeliveryEntry,
} from "./types.js";

/** How one record ended in this invocation. */
type RecordResult =
  | { kind: "applied" }
  | { kind: "deadLettered" }
  | { kind: "retry"; delaySeconds: number }
  | { kind: "deferred" }
  /** Only 429s in this receive: sent back to the work queue as a new message, reported done. */
  | { kind: "requeued" }
  /** Dead-lettering failed: keep the record (batch item failure) so it is not lost. */
  | { kind: "kept" };

/**
 * Applies one SQS batch of {@link UserFactorsMessage}s: one paced PUT per user, up to `applyConcurrency` at
 * once, and an outcome for every record (design.md, "Outcomes"):
 *
 * - 2xx: done. 429: waited out (until `x-ratelimit-reset` plus jitter) and retried, never counted as an attempt;
 *   a record that met only 429s when the time budget runs out is sent back to the work queue as a new message
 *   (delayed by the rest of the pause) and reported done, so throttling does not use up its receives.
 * - 400/401-after-refresh/403/404/409, a malformed body: sent to the DLQ with the reason, reported done.
 * - 5xx, timeout, connection error: retried with backoff up to `attemptsPerReceive` times; then returned as a
 *   batch item failure with a short visibility delay, or dead-lettered with the last reason on the last
 *   allowed receive (`ApproximateReceiveCount ≥ maxReceiveCount`), so no DLQ message lacks a reason.
 * - No request starts, and no pacer wait runs, past `timeMarginMs` before the end: the rest are returned as
 *   batch item failures.
 * - A record whose dead-lettering fails is returned as a batch item failure: nothing is lost.
 *
 * @example
 * const result = await applyBatch(event.Records, { client, pacer, queue, logger,
 *   remainingTimeMs: () => context.getRemainingTimeInMillis() });
 * return { batchItemFailures: result.batchItemFailures };
 */
export async function applyBatch(records: SQSRecord[], deps: ApplyDeps): Promise<ApplyBatchResult> {
  const options = deps.options ?? {};
  const applyConcurrency = options.applyConcurrency ?? 10;
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const attemptsPerReceive = options.attemptsPerReceive ?? 3;
  const redeliveryBaseSeconds = options.redeliveryBaseSeconds ?? 10;
  const redeliveryMaxSeconds = options.redeliveryMaxSeconds ?? 300;
  const timeMarginMs = options.timeMarginMs ?? 32_000;
  const remainingTimeMs = deps.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY);
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const { client, pacer, queue, logger } = deps;
  const emit = (event: ApplyOutcomeEvent) => deps.onOutcome?.(event);
  const counts: ApplyCounts = {
    applied: 0,
    deadLettered: 0,
    retried: 0,
    deferred: 0,
    requeued: 0,
    throttled: 0,
  };
  const hasTime = (extraMs = 0) => remainingTimeMs() - extraMs >= timeMarginMs;

  async function deadLetter(record: SQSRecord, reason: DeadLetterReason): Promise<RecordResult> {
    try {
      await queue.deadLetter(record, reason);
    } catch (error) {
      logger.error(
        {
          messageId: record.messageId,
          userId: reason.userId,
          error: error instanceof Error ? error.name : "unknown",
        },
        "could not send to the dead-letter queue; the record is kept for redelivery",
      );
      return { kind: "kept" };
    }
    logger.warn(
      {
        messageId: record.messageId,
        userId: reason.userId,
        status: reason.status,
        errorCode: reason.errorCode,
      },
      "user failed; sent to the dead-letter queue",
    );
    emit({ userId: reason.userId ?? "", kind: "failed", status: reason.status });
    return { kind: "deadLettered" };
  }

  /**
   * Sends a record that met only 429s back to the work queue as a new message, delayed by the rest of the
   * pause: returning it as a batch item failure would count a receive (and, on the last, dead-letter it)
   * though no real attempt was made. Returns undefined when the send fails.
   */
  async function requeue(record: SQSRecord, message: UserFactorsMessage): Promise<RecordResult | undefined> {
    const pauseLeftMs = pacer.pausedUntilMs - clock();
    const delaySeconds = pauseLeftMs > 0 ? Math.min(900, Math.ceil(pauseLeftMs / 1000)) : 0;
    try {
      await queue.requeue(record, delaySeconds);
    } catch (error) {
      logger.warn(
        {
          messageId: record.messageId,
          userId: message.userId,
          error: error instanceof Error ? error.name : "unknown",
        },
        "could not send the throttled record back to the work queue; it is returned for redelivery",
      );
      return undefined;
    }
    logger.info(
      { messageId: record.messageId, userId: message.userId, delaySeconds },
      "throttled record sent back to the work queue",
    );
    return { kind: "requeued" };
  }

  /** Ends a record that did not reach a final answer in this invocation. */
  async function leave(
    record: SQSRecord,
    message: UserFactorsMessage,
    receiveCount: number,
    attempts: number,
    throttled: number,
    last: TransientOutcome | undefined,
  ): Promise<RecordResult> {
    if (attempts === 0 && throttled > 0) {
      const requeued = await requeue(record, message);
      if (requeued) return requeued;
    }
    if (receiveCount >= maxReceiveCount) {
      const failedAt = new Date(clock());
      const reason: DeadLetterReason = last
        ? reasonFromOutcome(last, message, attempts, failedAt)
        : {
            status: "timeout",
            message:
              `not applied before the time budget of its last allowed receive (${receiveCount} of ${maxReceiveCount}) ran out` +
              (throttled > 0 ? `, after ${throttled} throttled (429) responses` : ""),
            attempts,
            failedAt: failedAt.toISOString(),
            sourceKey: message.source.key,
            sourceLine: message.line,
            userId: message.userId,
          };
      return deadLetter(record, reason);
    }
    if (!last) return { kind: "deferred" };
    emit({ userId: message.userId, kind: "retry", status: last.status });
    const delaySeconds = Math.min(redeliveryMaxSeconds, redeliveryBaseSeconds * 2 ** (receiveCount - 1));
    return { kind: "retry", delaySeconds: Math.round(delaySeconds * (0.8 + 0.4 * random())) };
  }

  async function applyRecord(record: SQSRecord): Promise<RecordResult> {
    let message: UserFactorsMessage;
    try {
      message = parseUserFactorsMessage(record.body);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      return deadLetter(record, {
        status: "malformed",
        message: error.reason,
        attempts: 0,
        failedAt: new Date(clock()).toISOString(),
      });
    }
    const receiveCount = receiveCountOf(record);
    let attempts = 0;
    let throttled = 0;
    let last: TransientOutcome | undefined;
    for (;;) {
      const remainingMs = remainingTimeMs();
      if (remainingMs < timeMarginMs) return leave(record, message, receiveCount, attempts, throttled, last);
      // A pause may end after the invocation would: give the record back instead of waiting past the margin.
      const deadlineMs = clock() + remainingMs - timeMarginMs;
      if (!(await pacer.acquire(deadlineMs)) || !hasTime()) {
        return leave(record, message, receiveCount, attempts, throttled, last);
      }
      const sentAtMs = clock();
      const outcome = await client.putAuthenticationMethods(message.userId, message.methods);
      switch (outcome.kind) {
        case "throttled":
          pacer.throttled(outcome.resetAtMs);
          throttled++;
          counts.throttled++;
          emit({ userId: message.userId, kind: "throttled", status: 429 });
          continue;
        case "applied":
          pacer.observe(outcome.rateLimit, sentAtMs);
          emit({ userId: message.userId, kind: "applied", status: outcome.status });
          return { kind: "applied" };
        case "permanent":
        case "configuration":
          pacer.observe(outcome.rateLimit, sentAtMs);
          return deadLetter(record, reasonFromOutcome(outcome, message, attempts + 1, new Date(clock())));
        case "transient": {
          pacer.observe(outcome.rateLimit, sentAtMs);
          attempts++;
          last = outcome;
          logger.info(
            { userId: message.userId, status: outcome.status, errorCode: outcome.errorCode, attempts },
            "transient failure",
          );
          const delayMs = backoffDelayMs(attempts, options.backoff, random);
          if (attempts >= attemptsPerReceive || !hasTime(delayMs)) {
            return leave(record, message, receiveCount, attempts, throttled, last);
          }
          emit({ userId: message.userId, kind: "retry", status: outcome.status });
          await sleep(delayMs);
        }
      }
    }
  }

  // Records closest to their last receive go first, so a short time budget never starves them.
  const ordered = [...records].sort((a, b) => receiveCountOf(b) - receiveCountOf(a));
  const limit = pLimit(applyConcurrency);
  const results = await Promise.all(
    ordered.map((record) =>
      limit(async (): Promise<[SQSRecord, RecordResult]> => {
        try {
          return [record, await applyRecord(record)];
        } catch (error) {
          // A defect, not an Auth0 outcome: keep the record and say so loudly.
          logger.error(
            { messageId: record.messageId, error: error instanceof Error ? error.name : "unknown" },
            "unexpected error; the record is kept for redelivery",
          );
          return [record, { kind: "kept" }];
        }
      }),
    ),
  );

  const batchItemFailures: { itemIdentifier: string }[] = [];
  const redeliveries: RedeliveryEntry[] = [];
  for (const [record, result] of results) {
    switch (result.kind) {
      case "applied":
        counts.applied++;
        break;
      case "deadLettered":
        counts.deadLettered++;
        break;
      case "retry":
        counts.retried++;
        batchItemFailures.push({ itemIdentifier: record.messageId });
        redeliveries.push({ record, delaySeconds: result.delaySeconds });
        break;
      case "deferred":
        counts.deferred++;
        batchItemFailures.push({ itemIdentifier: record.messageId });
        // Not tried, or cut short by the clock: back at once, for the next invocation.
        redeliveries.push({ record, delaySeconds: 0 });
        break;
      case "requeued":
        counts.requeued++;
        break;
      case "kept":
        batchItemFailures.push({ itemIdentifier: record.messageId });
        break;
    }
  }
  if (redeliveries.length > 0) await queue.delayRedelivery(redeliveries);
  logger.info({ records: records.length, ...counts, returned: batchItemFailures.length }, "batch done");
  return { batchItemFailures, counts };
}

/** `ApproximateReceiveCount`, at least 1 (the event source always sets it). */
function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isFinite(count) && count >= 1 ? count : 1;
}
