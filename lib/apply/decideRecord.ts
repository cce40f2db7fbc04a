import type { SQSRecord } from "aws-lambda";
import type { TransientOutcome } from "../auth0/PutOutcome.js";
import type { Logger } from "../logging/Logger.js";
import type { DeadLetterReason } from "../messages/DeadLetter.js";
import { type RecordHistory, readRecordHistory } from "../messages/RecordHistory.js";
import {
  MalformedMessageError,
  parseUserFactorsMessage,
  type UserFactorsMessage,
} from "../messages/UserFactorsMessage.js";
import { type BackoffOptions, backoffDelayMs } from "../pacing/backoff.js";
import type { Sleep } from "../pacing/sleep.js";
import type { ApplySync } from "../sync/ApplySync.js";
import type { CircuitBreaker } from "./CircuitBreaker.js";
import type { Decision, HoldCause } from "./Decision.js";
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
  /** The container's breaker; without one every call goes to Auth0. */
  circuit: CircuitBreaker | undefined;
  /** The sync state: claim before the PUT, state after a 2xx. @default none */
  sync?: ApplySync;
}

/** Delay of a record held by an open circuit or a configuration error: about one probe interval. */
const HOLD_JITTER = 0.2;

/**
 * Applies one record and says what is to happen to it, making no SQS call (see {@link Decision}):
 *
 * - 2xx: `applied`. 429: waited out (until `x-ratelimit-reset` plus jitter) and retried, never counted as an
 *   attempt; a record a 429 pause outlasts (the pause ends past the time budget) is `requeue`d (`throttled`)
 *   for the rest of the pause.
 * - 400/404/409/another 403, a malformed body: `deadLetter` with the reason.
 * - A configuration error (token refused, 401 after a refresh, 403 missing scope, unreadable credentials):
 *   `requeue` (`configuration`), no attempt used; the circuit opens with that reason.
 * - The circuit open (Auth0 unavailable): no call, `requeue` (`circuit`) after about one probe interval, with
 *   the record's history; one record per interval is the probe, whose failure is Auth0's, not the user's.
 * - 5xx, timeout, connection error: the user's attempt; retried with backoff up to `attemptsPerReceive` times,
 *   then `redeliver`ed (`retry`) with a visibility delay doubling per receive. It is `deadLetter`ed with the
 *   last reason once its real attempts over every receive and requeue (the history's, plus
 *   `attemptsPerReceive` per earlier receive of this message) reach `maxReceiveCount × attemptsPerReceive`,
 *   or on the last allowed receive (`ApproximateReceiveCount ≥ maxReceiveCount`), so no DLQ message lacks one.
 * - No request starts, and no pacer wait runs, past `timeMarginMs` before the end: `redeliver` (`deferred`, at
 *   once), or on the last receive `deadLetter` with a timeout reason.
 * - With a sync state and a stamped message, the user is claimed once the circuit permits the call (a held
 *   record writes nothing): a newer file's claim or state makes it
 *   `superseded` (no PUT); another record's PUT of the user in flight makes it `requeue`d for a few seconds (no
 *   receive used). After the PUT, a 2xx writes the user's state; anything else ends the lease, keeping the claim.
 *   A message without a stamp is PUT unclaimed; after its 2xx the user's HMAC is removed (the next sync sends it).
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
  if (sync === undefined) return put(message, record, context);
  if (message.sync === undefined) {
    const unstamped = await put(message, record, context);
    if (unstamped.kind === "applied") await sync.afterUnstampedPut(message);
    return unstamped;
  }
  // The claim is made only once the circuit permits a call: an Auth0 outage holds records without table writes.
  let claimed = false;
  const decision = await put(message, record, context, async () => {
    const claim = await sync.claim(message, remainingTimeMs());
    if (claim === "claimed") {
      claimed = true;
      return undefined;
    }
    if (claim === "superseded") return { kind: "superseded", userId: message.userId, line: message.line };
    return {
      kind: "requeue",
      userId: message.userId,
      delaySeconds: sync.busyDelaySeconds,
      // Waiting behind another record's PUT uses none of this user's attempts: its history goes on unchanged.
      history: readRecordHistory(record, clock()),
      cause: "busy",
    };
  });
  if (claimed) await sync.afterPut(message, decision.kind === "applied");
  return decision;
}

/** The PUT of one parsed record, with its 429 waits, holds and transient retries, to a decision. */
async function put(
  message: UserFactorsMessage,
  record: SQSRecord,
  context: DecideContext,
  /** Called once, when the circuit first permits the call: a decision ends the record without a PUT. */
  claimUser?: () => Promise<Decision | undefined>,
): Promise<Decision> {
  const { client, pacer, logger, clock, emit, remainingTimeMs, timeMarginMs } = context;
  const receiveCount = receiveCountOf(record);
  const hasTime = (extraMs = 0) => remainingTimeMs() - extraMs >= timeMarginMs;
  const history = readRecordHistory(record, clock());
  const state: LeaveState = {
    receiveCount,
    // Each earlier receive of this message that came back used its tries (a `retry` redelivery), or was cut
    // short: counting it whole errs on the side of ending a persistently failing user, never of looping.
    attemptsBefore: history.attempts + (receiveCount - 1) * context.attemptsPerReceive,
    attempts: 0,
    throttled: 0,
    last: undefined,
    history,
    firstFailureAtMs: history.firstFailureAtMs ?? firstReceiveOf(record),
    pausedPastDeadline: false,
  };
  const maxAttempts = context.maxReceiveCount * context.attemptsPerReceive;
  const { circuit } = context;
  for (;;) {
    const remainingMs = remainingTimeMs();
    if (remainingMs < timeMarginMs) return leave(message, state, context);
    const permit = circuit?.permit() ?? "call";
    if (permit === "hold") return hold(message, state, context, holdCauseOf(circuit));
    if (claimUser !== undefined) {
      const refused = await claimUser();
      claimUser = undefined;
      if (refused !== undefined) {
        if (permit === "probe") circuit?.cancelProbe();
        return refused;
      }
    }
    // A pause may end after the invocation would: give the record back instead of waiting past the margin.
    const deadlineMs = clock() + remainingMs - timeMarginMs;
    if (!(await pacer.acquire(deadlineMs)) || !hasTime()) {
      if (permit === "probe") circuit?.cancelProbe();
      state.pausedPastDeadline = pacer.pausedUntilMs > deadlineMs;
      return leave(message, state, context);
    }
    const sentAtMs = clock();
    const outcome = await client.putAuthenticationMethods(message.userId, message.methods);
    switch (outcome.kind) {
      case "throttled":
        circuit?.recordAnswer();
        pacer.throttled(outcome.resetAtMs);
        state.throttled++;
        emit({ userId: message.userId, kind: "throttled", status: 429 });
        continue;
      case "applied":
        circuit?.recordAnswer();
        pacer.observe(outcome.rateLimit, sentAtMs);
        return { kind: "applied", userId: message.userId, status: outcome.status };
      case "permanent":
        circuit?.recordAnswer();
        pacer.observe(outcome.rateLimit, sentAtMs);
        return {
          kind: "deadLetter",
          reason: reasonFromOutcome(
            outcome,
            message,
            state.attemptsBefore + state.attempts + 1,
            new Date(clock()),
          ),
        };
      case "configuration":
        pacer.observe(outcome.rateLimit, sentAtMs);
        circuit?.recordConfigurationError(outcome.problem, outcome.status, outcome.message);
        logger.warn(
          {
            userId: message.userId,
            status: outcome.status,
            problem: outcome.problem,
            errorCode: outcome.errorCode,
          },
          "configuration error; the record is held and the job paused",
        );
        return hold(message, state, context, "configuration");
      case "transient": {
        pacer.observe(outcome.rateLimit, sentAtMs);
        circuit?.recordFailure(
          outcome.status,
          outcome.message,
          outcome.stage === "token" ? undefined : message.userId,
        );
        // A failed probe is Auth0 still down, not this user's failure.
        if (permit === "probe" && circuit?.state.status === "open") {
          return hold(message, state, context, holdCauseOf(circuit));
        }
        state.attempts++;
        state.last = outcome;
        state.firstFailureAtMs ??= clock();
        const total = state.attemptsBefore + state.attempts;
        logger.info(
          {
            userId: message.userId,
            status: outcome.status,
            errorCode: outcome.errorCode,
            attempts: total,
          },
          "transient failure",
        );
        if (total >= maxAttempts) return giveUp(message, state, outcome, context);
        // The circuit opened on this failure: keep the record, its attempt counted.
        if (circuit?.state.status === "open") return hold(message, state, context, holdCauseOf(circuit));
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
  /** Real attempts before this receive (the history's and earlier receives of this message). */
  attemptsBefore: number;
  /** Real attempts in this receive. */
  attempts: number;
  throttled: number;
  last: TransientOutcome | undefined;
  history: RecordHistory;
  /** When the first real attempt failed, if one has. */
  firstFailureAtMs: number | undefined;
  /** The pacer refused a slot because a 429 or header pause ends after this invocation's deadline. */
  pausedPastDeadline: boolean;
}

function holdCauseOf(circuit: CircuitBreaker | undefined): HoldCause {
  const state = circuit?.state;
  return state?.status === "open" && state.reason === "configuration" ? "configuration" : "circuit";
}

/** The history a requeued record carries on. */
function nextHistory(state: LeaveState): RecordHistory {
  return {
    attempts: state.attemptsBefore + state.attempts,
    ...(state.firstFailureAtMs === undefined || state.attemptsBefore + state.attempts === 0
      ? {}
      : { firstFailureAtMs: state.firstFailureAtMs }),
    firstSentAtMs: state.history.firstSentAtMs,
    holds: state.history.holds + 1,
  };
}

/** Sends a record back without a final answer: Auth0 unavailable, a configuration error. */
function hold(
  message: UserFactorsMessage,
  state: LeaveState,
  context: DecideContext,
  cause: HoldCause,
): Decision {
  const intervalMs = context.circuit?.probeIntervalMs ?? 30_000;
  const delayMs = intervalMs * (1 + HOLD_JITTER * context.random());
  return {
    kind: "requeue",
    userId: message.userId,
    delaySeconds: Math.min(900, Math.max(1, Math.round(delayMs / 1000))),
    history: nextHistory(state),
    cause,
  };
}

/** Dead-letters a user whose own real attempts are used up, with the last reason and since when. */
function giveUp(
  message: UserFactorsMessage,
  state: LeaveState,
  last: TransientOutcome,
  context: DecideContext,
): Decision {
  const total = state.attemptsBefore + state.attempts;
  const reason = reasonFromOutcome(last, message, total, new Date(context.clock()));
  const since =
    state.firstFailureAtMs === undefined ? "" : ` since ${new Date(state.firstFailureAtMs).toISOString()}`;
  return {
    kind: "deadLetter",
    reason: { ...reason, message: `${reason.message} (${total} attempts${since})`.slice(0, 500) },
  };
}

/** The decision for a record that did not reach a final answer in this invocation. */
function leave(message: UserFactorsMessage, state: LeaveState, context: DecideContext): Decision {
  const { receiveCount, attempts, throttled, last } = state;
  const { clock, maxReceiveCount } = context;
  const pauseLeftMs = context.pacer.pausedUntilMs - clock();
  if (state.pausedPastDeadline || (attempts === 0 && throttled > 0)) {
    // A 429 pause outlasts the time budget. Returning the record as a batch item failure would count a
    // receive (and, on the last, dead-letter it) for a pause that is nobody's failure, and bring it back at
    // once: send it back as a new message with its history, delayed by the rest of the pause.
    const delaySeconds = pauseLeftMs > 0 ? Math.min(900, Math.ceil(pauseLeftMs / 1000)) : 0;
    return {
      kind: "requeue",
      userId: message.userId,
      delaySeconds,
      history: nextHistory(state),
      cause: "throttled",
    };
  }
  if (receiveCount >= maxReceiveCount) {
    const failedAt = new Date(clock());
    const reason: DeadLetterReason = last
      ? reasonFromOutcome(last, message, state.attemptsBefore + attempts, failedAt)
      : {
          status: "timeout",
          message:
            `not applied before the time budget of its last allowed receive (${receiveCount} of ${maxReceiveCount}) ran out` +
            (throttled > 0 ? `, after ${throttled} throttled (429) responses` : ""),
          attempts: state.history.attempts + attempts,
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

/** `ApproximateFirstReceiveTimestamp`, when the event source set it. */
function firstReceiveOf(record: SQSRecord): number | undefined {
  const value = Number(record.attributes?.ApproximateFirstReceiveTimestamp);
  return Number.isFinite(value) && value > 0 && receiveCountOf(record) > 1 ? value : undefined;
}
