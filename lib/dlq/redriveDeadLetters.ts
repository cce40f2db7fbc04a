import { setTimeout as delay } from "node:timers/promises";
import {
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { DeadLetterRedriveError, describe } from "./errors.js";

/** What to move, and how fast. */
export interface RedriveRequest {
  /** The dead-letter queue's ARN. */
  dlqArn: string;
  /**
   * Where to move the messages: the work queue. Required, because SQS remembers a source only for messages its
   * redrive policy moved; the dead letters apply writes itself (most of them) have none.
   */
  destinationArn: string;
  /** Messages per second, 1 to 500. @default SQS's own, which raises the rate as it goes */
  maxPerSecond?: number;
}

/** Options of {@link redriveDeadLetters}. */
export interface RedriveOptions {
  /** Wait until the task stops, reporting progress; false returns as soon as the task has started. @default true */
  wait?: boolean;
  /** Time between progress checks, milliseconds. @default 5000 */
  pollIntervalMs?: number;
  /** Called with each progress reading (and the final one). */
  onProgress?: (progress: RedriveProgress) => void;
  /** @default setTimeout from node:timers/promises */
  sleep?: (ms: number) => Promise<unknown>;
  /** Stops waiting (the task itself keeps running in SQS). */
  signal?: AbortSignal;
}

/** The state of a message move task, as ListMessageMoveTasks reports it. */
export interface RedriveProgress {
  taskHandle: string;
  /** RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED. */
  status: string;
  moved: number;
  /** Known once SQS has selected the task to start. */
  toMove?: number;
  failureReason?: string;
}

/** Upper bound SQS accepts for MaxNumberOfMessagesPerSecond. */
export const MAX_REDRIVE_RATE = 500;

/**
 * Moves the messages of a dead-letter queue to `destinationArn` (the work queue) with SQS's
 * StartMessageMoveTask, so each is applied again with its original body, then follows the task with
 * ListMessageMoveTasks until it completes. Run it after fixing the cause of the failures (`dlq-export` says
 * what they were).
 *
 * @throws {@link DeadLetterRedriveError} when SQS refuses the task (e.g. one already running, an unknown
 *   queue, an emulator without message move tasks) or reports it FAILED.
 * @example
 * const done = await redriveDeadLetters(sqs, { dlqArn, maxPerSecond: 50 }, {
 *   onProgress: (p) => console.log(`${p.moved}/${p.toMove ?? "?"} moved`),
 * });
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  request: RedriveRequest,
  options: RedriveOptions = {},
): Promise<RedriveProgress> {
  const wait = options.wait ?? true;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const sleep = options.sleep ?? ((ms: number) => delay(ms, undefined, { signal: options.signal }));
  const { dlqArn, destinationArn, maxPerSecond } = request;
  if (
    maxPerSecond !== undefined &&
    !(Number.isInteger(maxPerSecond) && maxPerSecond >= 1 && maxPerSecond <= MAX_REDRIVE_RATE)
  ) {
    throw new DeadLetterRedriveError(dlqArn, `maxPerSecond must be an integer from 1 to ${MAX_REDRIVE_RATE}`);
  }

  let taskHandle: string;
  try {
    const started = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: dlqArn,
        DestinationArn: destinationArn,
        MaxNumberOfMessagesPerSecond: maxPerSecond,
      }),
    );
    taskHandle = started.TaskHandle ?? "";
  } catch (error) {
    throw new DeadLetterRedriveError(dlqArn, describe(error), { cause: error });
  }

  let progress = await readProgress(sqs, dlqArn, taskHandle);
  options.onProgress?.(progress);
  while (wait && progress.status === "RUNNING" && !options.signal?.aborted) {
    try {
      await sleep(pollIntervalMs);
    } catch (error) {
      if (options.signal?.aborted) break;
      throw error;
    }
    progress = await readProgress(sqs, dlqArn, taskHandle);
    options.onProgress?.(progress);
  }
  if (progress.status === "FAILED") {
    throw new DeadLetterRedriveError(
      dlqArn,
      `the move task failed: ${progress.failureReason ?? "no reason given"}`,
    );
  }
  return progress;
}

/**
 * The task's current state. ListMessageMoveTasks gives the handle only of a RUNNING task, and SQS runs one
 * task per source queue at a time, so the most recent task of the queue is ours once the handle is gone.
 */
async function readProgress(sqs: SQSClient, dlqArn: string, taskHandle: string): Promise<RedriveProgress> {
  let results: ListMessageMoveTasksResultEntry[];
  try {
    const listed = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }));
    results = listed.Results ?? [];
  } catch (error) {
    throw new DeadLetterRedriveError(dlqArn, describe(error), { cause: error });
  }
  const latest = results.reduce<ListMessageMoveTasksResultEntry | undefined>(
    (best, task) => ((task.StartedTimestamp ?? 0) > (best?.StartedTimestamp ?? -1) ? task : best),
    undefined,
  );
  const entry = results.find((task) => task.TaskHandle === taskHandle) ?? latest;
  if (entry === undefined) return { taskHandle, status: "RUNNING", moved: 0 };
  return {
    taskHandle,
    status: entry.Status ?? "RUNNING",
    moved: entry.ApproximateNumberOfMessagesMoved ?? 0,
    toMove: entry.ApproximateNumberOfMessagesToMove,
    failureReason: entry.FailureReason,
  };
}
