import type { SQSRecord } from "aws-lambda";
import type { TransientOutcome } from "../auth0/PutOutcome.js";
import type { Logger } from "../logging/Logger.js";
import type { DeadLetterReason } from "../messages/DeadLetter.js";
import {
  MalformedMessageError,
  parseUserFactorsMessage,
  type UserFactorsMessage,
} from "../messages/UserFactorsMessage.js";
import { type BackoffOptions, backoffDelayMs } from "../pacing/backoff.js";
import type { Sleep } from "../pacing/sleep.js";
import type { ApplySync } from "../sync/ApplySync.js";
import type { Decision } from "./Decision.js";
import { reasonFromOutcome } from "./deadLetterReason.js";
import type { ApplyOutcomeEvent, AuthenticationMethodsWriter, RequestPacer } from "./types.js";

/** What {@link decideRecord} works with: one batch's dependencies, options resolved. */
export interface DecideContext {
  client: AuthenticationMethodsWriter;
  pacer: RequestPacer;
  logger: Logger;
  maxReceiveCount: number;
  attemptsPerReceive: number;
  backoff: BackoffOptions | undefined;
  redeliveryBaseSeconds: number;
  redeliveryMaxSeconds: number;
  timeMarginMs: number;
  remainingTimeMs: () => number;
  clock: () => number;
  sleep: Sleep;
  random: () => number;
  /** Steps on the way (`throttled`, `retry` between tries); the final ones are emitted by settle. */
  emit: (event: ApplyOutcomeEvent) => void;
  /** The sync state: claim before the PUT, state after a 2xx. @default none */
  sync?: ApplySync;
}

/**
 * Applies one record and says what is to happen to it, making no SQS call (see {@link Decision}):
 *
 * - 2xx: `applied`. 429: waited out (until `x-ratelimit-reset` plus jitter) and retried, never counted as an
 *   attempt; a record that met only 429s when the time budget runs out is `requeue`d for the rest of the pause.
 * - 400/401-after-refresh/403/404/409, a malformed body: `deadLetter` with the reason.
 * - 5xx, timeout, connection error: retried with backoff up to `attemptsPerReceive` times; then `redeliver`ed
 *   (`retry`) with a visibility delay doubling per receive, or `deadLetter`ed with the last reason on the last
 *   allowed receive (`ApproximateReceiveCount ≥ maxReceiveCount`), so no DLQ message lacks a reason.
 * - No request starts, and no pacer wait runs, past `timeMarginMs` before the end: `redeliver` (`deferred`, at
 *   once), or on the last receive `deadLetter` with a timeout reason.
 * - With a sync state and a stamped message, the user is claimed first: a newer file's claim or state makes it
 *   `superseded` (no PUT); another record's PUT of the user in flight makes it `requeue`d for a few seconds (no
 *   receive used). After the PUT, a 2xx writes the user's state; anything else ends the lease, keeping the claim.
 *
 * @example
 * const decision = await decideRecord(record, context); // { kind: "applied", userId, status: 200 }
 */
export async function decideRecord(record: SQSRecord, context: DecideContext): Promise<Decision> {
  const { clock, remainingTimeMs } = context;
  let message: UserFactorsMessage;
  try {
    message = parseUserFactorsMessage(record.body);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    return {
      kind: "deadLetter",
      reason: {
        status: "malformed",
        message: error.reason,
        attempts: 0,
        failedAt: new Date(clock()).toISOString(),
      },
    };
  }
  const { sync } = context;
  if (sync === undefined || message.sync === undefined) return put(message, record, context);
  const claim = await sync.claim(message, remainingTimeMs());
  if (claim === "superseded") return { kind: "superseded", userId: message.userId, line: message.line };
  if (claim === "busy") {
    return {
      kind: "requeue",
      userId: message.userId,
      delaySeconds: sync.busyDelaySeconds,
      history: { attempts: 0, throttled: 0 },
    };
  }
  const decision = await put(message, record, context);
  await sync.afterPut(message, decision.kind === "applied");
  return decision;
}

/** The PUT of one parsed record, with its 429 waits and transient retries, to a decision. */
async function put(
  message: UserFactorsMessage,
  record: SQSRecord,
  context: DecideContext,
): Promise<Decision> {
  const { client, pacer, logger, clock, emit, remainingTimeMs, timeMarginMs } = context;
  const receiveCount = receiveCountOf(record);
  const hasTime = (extraMs = 0) => remainingTimeMs() - extraMs >= timeMarginMs;
  const state: LeaveState = { receiveCount, attempts: 0, throttled: 0, last: undefined };
  for (;;) {
    const remainingMs = remainingTimeMs();
    if (remainingMs < timeMarginMs) return leave(message, state, context);
    // A pause may end after the invocation would: give the record back instead of waiting past the margin.
    const deadlineMs = clock() + remainingMs - timeMarginMs;
    if (!(await pacer.acquire(deadlineMs)) || !hasTime()) return leave(message, state, context);
    const sentAtMs = clock();
    const outcome = await client.putAuthenticationMethods(message.userId, message.methods);
    switch (outcome.kind) {
      case "throttled":
        pacer.throttled(outcome.resetAtMs);
        state.throttled++;
        emit({ userId: message.userId, kind: "throttled", status: 429 });
        continue;
      case "applied":
        pacer.observe(outcome.rateLimit, sentAtMs);
        return { kind: "applied", userId: message.userId, status: outcome.status };
      case "permanent":
        pacer.observe(outcome.rateLimit, sentAtMs);
        return {
          kind: "deadLetter",
          reason: reasonFromOutcome(outcome, message, state.attempts + 1, new Date(clock())),
        };
      case "transient": {
        pacer.observe(outcome.rateLimit, sentAtMs);
        state.attempts++;
        state.last = outcome;
        logger.info(
          {
            userId: message.userId,
            status: outcome.status,
            errorCode: outcome.errorCode,
            attempts: state.attempts,
          },
          "transient failure",
        );
        const delayMs = backoffDelayMs(state.attempts, context.backoff, context.random);
        if (state.attempts >= context.attemptsPerReceive || !hasTime(delayMs)) {
          return leave(message, state, context);
        }
        emit({ userId: message.userId, kind: "retry", status: outcome.status });
        await context.sleep(delayMs);
      }
    }
  }
}

interface LeaveState {
  receiveCount: number;
  attempts: number;
  throttled: number;
  last: TransientOutcome | undefined;
}

/** The decision for a record that did not reach a final answer in this invocation. */
function leave(message: UserFactorsMessage, state: LeaveState, context: DecideContext): Decision {
  const { receiveCount, attempts, throttled, last } = state;
  const { clock, maxReceiveCount } = context;
  if (attempts === 0 && throttled > 0) {
    // Returning it as a batch item failure would count a receive (and, on the last, dead-letter it) though
    // no real attempt was made: send it back as a new message, delayed by the rest of the pause.
    const pauseLeftMs = context.pacer.pausedUntilMs - clock();
    const delaySeconds = pauseLeftMs > 0 ? Math.min(900, Math.ceil(pauseLeftMs / 1000)) : 0;
    return { kind: "requeue", userId: message.userId, delaySeconds, history: { attempts, throttled } };
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
    return { kind: "deadLetter", reason };
  }
  // Not tried, or cut short by the clock: back at once, for the next invocation.
  if (!last) return { kind: "redeliver", cause: "deferred", delaySeconds: 0 };
  const delayMs = backoffDelayMs(
    receiveCount,
    {
      baseMs: context.redeliveryBaseSeconds * 1000,
      maxMs: context.redeliveryMaxSeconds * 1000,
      jitter: { spread: 0.2 },
    },
    context.random,
  );
  return {
    kind: "redeliver",
    cause: "retry",
    delaySeconds: Math.round(delayMs / 1000),
    userId: message.userId,
    status: last.status,
  };
}

/**
 * `ApproximateReceiveCount`, at least 1 (the event source always sets it).
 *
 * @example
 * receiveCountOf(record); // 2 on the second delivery
 */
export function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isFinite(count) && count >= 1 ? count : 1;
}
