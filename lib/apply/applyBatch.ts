import type { SQSRecord } from "aws-lambda";
import pLimit from "p-limit";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import type { BatchLookup } from "../jobs/ApplyJobs.js";
import { readRecordHistory } from "../messages/RecordHistory.js";
import { type MessageSource, parseUserFactorsMessage } from "../messages/UserFactorsMessage.js";
import { realSleep } from "../pacing/sleep.js";
import type { DecideContext } from "./decideRecord.js";
import { decideRecord, receiveCountOf } from "./decideRecord.js";
import { batchUsersOf, decideFromJob, recordLogger } from "./jobDecisions.js";
import { type DecidedRecord, settleBatch } from "./settleBatch.js";
import type { ApplyBatchResult, ApplyDeps, ApplyOutcomeEvent } from "./types.js";

/**
 * Applies one SQS batch of `UserFactorsMessage`s in two steps: decide, then settle. Each record is applied
 * (one paced PUT per user, up to `applyConcurrency` at once) to a {@link Decision} by {@link decideRecord};
 * then {@link settleBatch} performs every decision's SQS call, keeping any record whose call fails, and builds
 * the partial batch response. Every record ends in exactly one decision (design.md, "Outcomes"); a defect
 * (an unexpected throw) keeps its record.
 *
 * @example
 * const result = await applyBatch(event.Records, { client, pacer, queue, logger,
 *   remainingTimeMs: () => context.getRemainingTimeInMillis() });
 * return { batchItemFailures: result.batchItemFailures };
 */
export async function applyBatch(records: SQSRecord[], deps: ApplyDeps): Promise<ApplyBatchResult> {
  const options = deps.options ?? {};
  const { logger } = deps;
  let throttled = 0;
  const emit = (event: ApplyOutcomeEvent) => deps.onOutcome?.(event);
  const context: DecideContext = {
    client: deps.client,
    pacer: deps.pacer,
    logger,
    maxReceiveCount: options.maxReceiveCount ?? PIPELINE_DEFAULTS.maxReceiveCount,
    attemptsPerReceive: options.attemptsPerReceive ?? 3,
    backoff: options.backoff,
    redeliveryBaseSeconds: options.redeliveryBaseSeconds ?? 10,
    redeliveryMaxSeconds: options.redeliveryMaxSeconds ?? 300,
    timeMarginMs: options.timeMarginMs ?? 38_000,
    remainingTimeMs: deps.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY),
    clock: deps.clock ?? Date.now,
    sleep: deps.sleep ?? realSleep,
    random: deps.random ?? Math.random,
    sync: deps.sync,
    emit: (event) => {
      if (event.kind === "throttled") throttled++;
      emit(event);
    },
    circuit: deps.circuit,
  };
  const clock = context.clock;
  const pausedBefore = isPaused(deps);

  // Before anything is applied: which jobs are cancelled, which users are counted already (delivered again).
  let lookup: BatchLookup | undefined;
  if (deps.jobs !== undefined) {
    try {
      lookup = await deps.jobs.lookUp(batchUsersOf(records));
    } catch (error) {
      // Without the jobs nothing can be counted: keep the whole batch, it comes back.
      logger.error(
        { records: records.length, error: error instanceof Error ? error.name : "unknown" },
        "could not read the batch's jobs; the records are kept for redelivery",
      );
      const kept = records.map(
        (record): DecidedRecord => ({ record, decision: { kind: "keep", why: "jobs unreadable" } }),
      );
      return settleBatch(kept, { queue: deps.queue, logger, emit });
    }
  }

  // Records closest to their last receive go first, so a short time budget never starves them.
  const ordered = [...records].sort((a, b) => receiveCountOf(b) - receiveCountOf(a));
  const limit = pLimit(options.applyConcurrency ?? PIPELINE_DEFAULTS.applyConcurrency);
  const decided = await Promise.all(
    ordered.map((record) =>
      limit(async (): Promise<DecidedRecord> => {
        try {
          const fromJob = lookup === undefined ? undefined : decideFromJob(record, lookup);
          const decision =
            fromJob ?? (await decideRecord(record, { ...context, logger: recordLogger(logger, record) }));
          return { record, decision };
        } catch (error) {
          // A defect, not an Auth0 outcome: keep the record and say so loudly.
          recordLogger(logger, record).error(
            { messageId: record.messageId, error: error instanceof Error ? error.name : "unknown" },
            "unexpected error; the record is kept for redelivery",
          );
          return { record, decision: { kind: "keep", why: "unexpected error" } };
        }
      }),
    ),
  );
  const result = await settleBatch(decided, {
    queue: deps.queue,
    logger,
    emit,
    jobs: deps.jobs,
    clock: context.clock,
  });
  result.counts.throttled = throttled;
  const now = clock();
  result.counts.oldestWorkAgeSeconds = Math.max(
    0,
    ...records.map((record) => Math.floor((now - readRecordHistory(record, now).firstSentAtMs) / 1000)),
  );
  await reportConfiguration(decided, deps, pausedBefore);
  logger.info(
    { records: records.length, ...result.counts, returned: result.batchItemFailures.length },
    "batch done",
  );
  return result;
}

function isPaused(deps: ApplyDeps): boolean {
  const state = deps.circuit?.state;
  return state?.status === "open" && state.reason === "configuration";
}

/** The distinct source files of some records (bodies that cannot be read are left out). */
function sourcesOf(records: DecidedRecord[]): MessageSource[] {
  const sources = new Map<string, MessageSource>();
  for (const { record } of records) {
    try {
      const { source } = parseUserFactorsMessage(record.body);
      sources.set(
        JSON.stringify([source.bucket, source.key, source.versionId ?? "", source.jobId ?? ""]),
        source,
      );
    } catch {
      // a malformed body was dead-lettered, it holds nothing
    }
  }
  return [...sources.values()];
}

/** Calls the configuration ports: records held by a configuration error, or the circuit out of one. */
async function reportConfiguration(decided: DecidedRecord[], deps: ApplyDeps, pausedBefore: boolean) {
  const held = decided.filter(
    ({ decision }) => decision.kind === "requeue" && decision.cause === "configuration",
  );
  const state = deps.circuit?.state;
  try {
    if (held.length > 0 && deps.onConfigurationError) {
      const open = state?.status === "open" ? state : undefined;
      await deps.onConfigurationError({
        problem: open?.problem ?? "unknown",
        status: String(open?.lastStatus ?? ""),
        message: open?.lastMessage ?? "configuration error",
        sources: sourcesOf(held),
      });
    } else if (pausedBefore && !isPaused(deps) && deps.onConfigurationRecovered) {
      await deps.onConfigurationRecovered({ sources: sourcesOf(decided) });
    }
  } catch (error) {
    deps.logger.error(
      { error: error instanceof Error ? error.name : "unknown" },
      "the configuration port failed; the records are held all the same",
    );
  }
}
