import type { BatchResultErrorEntry } from "@aws-sdk/client-sqs";
import pLimit, { type LimitFunction } from "p-limit";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import { type Logger, silentLogger } from "../logging/Logger.js";
import type { MessageSource, OutgoingUser } from "../messages/UserFactorsMessage.js";
import { backoffDelayMs } from "../pacing/backoff.js";
import { QueueSendError, UserQueueOptionsError } from "./errors.js";
import { toMessageBody } from "./messageBody.js";
import type { FanoutCounts, SendBatch, UnsentUser } from "./types.js";

/** SQS takes at most 10 entries in one SendMessageBatch call. */
const MAX_BATCH_ENTRIES = 10;

/** Options of {@link UserQueue}. */
export interface UserQueueOptions {
  /** The S3 object the users were read from; it goes into every message body. */
  source: MessageSource;
  /** SendMessageBatch calls in flight at once. @default 10 */
  sendConcurrency?: number;
  /**
   * Batches built but not yet done (in flight, waiting for a slot, or backing off) before {@link UserQueue.enqueue}
   * waits: this bounds memory, so the reader is never far ahead of the queue. @default 2 × sendConcurrency
   */
  maxPendingBatches?: number;
  /** Attempts of one entry (and of a whole call), the first included. @default 4 */
  maxAttempts?: number;
  /** Backoff before the second attempt; it doubles each time, with jitter. @default 100 */
  baseDelayMs?: number;
  /** Longest backoff. @default 2000 */
  maxDelayMs?: number;
  /**
   * Largest message body, and largest sum of bodies in one call, in bytes. 256 KiB is the limit of every SQS queue
   * (newer queues allow 1 MiB); a bigger body is reported unsent as `MessageTooLong` without a call. @default 262144
   */
  maxBatchBytes?: number;
  /** Called once for each user given up on, in no particular order; awaited (it may write a report). */
  onUnsent?: (user: UnsentUser) => void | Promise<void>;
  /** @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  /** @default silentLogger */
  logger?: Logger;
}

const DEFAULTS = {
  sendConcurrency: PIPELINE_DEFAULTS.sendConcurrency,
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  maxBatchBytes: 262_144,
} as const;

interface Entry {
  /** The entry's index in its batch: unique within a call, and short. */
  id: string;
  line: number;
  userId: string;
  body: string;
  settled?: SettledCallback;
}

/** Told once whether SQS took the user (`true`) or it was given up on (`false`). */
export type SettledCallback = (sent: boolean) => void;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Puts valid users on the work queue, one message each, in SendMessageBatch calls of up to 10, several calls in
 * flight. Entries that SQS fails inside a 200 response are retried with backoff (except sender faults, which
 * cannot succeed on a retry) and, after `maxAttempts`, reported through `onUnsent` with their SQS code. A whole
 * call that fails `maxAttempts` times is a {@link QueueSendError}, thrown by the next `enqueue` or by `close`.
 *
 * @example
 * const queue = new UserQueue(sqsSendBatch(sqs, queueUrl), { source, onUnsent: (u) => unsent.push(u) });
 * for await (const user of validUsers) await queue.enqueue(user); // waits when too many batches are pending
 * const { sent, failedToSend } = await queue.close();
 */
export class UserQueue {
  private readonly source: MessageSource;
  private readonly limit: LimitFunction;
  private readonly maxPendingBatches: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxBatchBytes: number;
  private readonly onUnsent: (user: UnsentUser) => void | Promise<void>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly logger: Logger;

  private readonly pending = new Set<Promise<void>>();
  private batch: Entry[] = [];
  private batchBytes = 0;
  private sent = 0;
  private failedToSend = 0;
  private failure: unknown;
  private closed = false;

  public constructor(
    private readonly sendBatch: SendBatch,
    options: UserQueueOptions,
  ) {
    const sendConcurrency = options.sendConcurrency ?? DEFAULTS.sendConcurrency;
    this.source = options.source;
    this.maxPendingBatches = options.maxPendingBatches ?? 2 * sendConcurrency;
    this.maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
    this.baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULTS.maxBatchBytes;
    this.onUnsent = options.onUnsent ?? (() => {});
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    requireInteger("sendConcurrency", sendConcurrency, 1);
    requireInteger("maxPendingBatches", this.maxPendingBatches, sendConcurrency);
    requireInteger("maxAttempts", this.maxAttempts, 1);
    requireInteger("maxBatchBytes", this.maxBatchBytes, 1);
    this.limit = pLimit(sendConcurrency);
  }

  /** Counts so far (final once {@link UserQueue.close} has resolved). */
  public get counts(): FanoutCounts {
    return { sent: this.sent, failedToSend: this.failedToSend };
  }

  /**
   * Adds a user to the current batch, and sends the batch when it is full. Resolves once there is room for more:
   * the caller must await it, or memory is no longer bounded. `settled`, when given, is told once whether SQS
   * took this user (ingest's send mark, docs/continuation.md); not at all if its call fails as a whole.
   *
   * @throws {@link QueueSendError} when an earlier call failed on every attempt.
   */
  public async enqueue(user: OutgoingUser, settled?: SettledCallback): Promise<void> {
    if (this.closed) throw new Error("UserQueue.enqueue called after close");
    if (this.failure !== undefined) throw this.failure;
    const body = toMessageBody(user, this.source);
    const bytes = Buffer.byteLength(body);
    if (bytes > this.maxBatchBytes) {
      await this.giveUp(
        { line: user.line, userId: user.userId, ...(settled !== undefined ? { settled } : {}) },
        `MessageTooLong: the message is ${bytes} bytes, over the ${this.maxBatchBytes}-byte limit`,
      );
      return;
    }
    if (this.batchBytes + bytes > this.maxBatchBytes) this.startBatch();
    this.batch.push({
      id: String(this.batch.length),
      line: user.line,
      userId: user.userId,
      body,
      ...(settled !== undefined ? { settled } : {}),
    });
    this.batchBytes += bytes;
    if (this.batch.length === MAX_BATCH_ENTRIES) this.startBatch();
    while (this.pending.size >= this.maxPendingBatches) await Promise.race(this.pending);
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Sends what is left and waits for every call to finish. Safe to call more than once (e.g. again on an error
   * path, to let in-flight calls settle).
   *
   * @throws {@link QueueSendError} when a call failed on every attempt.
   */
  public async close(): Promise<FanoutCounts> {
    if (!this.closed) {
      this.closed = true;
      if (this.batch.length > 0) this.startBatch();
    }
    await Promise.all(this.pending);
    if (this.failure !== undefined) throw this.failure;
    return this.counts;
  }

  private startBatch(): void {
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (batch.length === 0) return;
    // The task never rejects: its failure is kept and thrown to the caller by the next enqueue or close.
    const task: Promise<void> = this.limit(() => this.send(batch)).then(
      () => {
        this.pending.delete(task);
      },
      (error: unknown) => {
        this.failure ??= error;
        this.pending.delete(task);
      },
    );
    this.pending.add(task);
  }

  private async send(batch: Entry[]): Promise<void> {
    let remaining = batch;
    for (let attempt = 1; ; attempt += 1) {
      // Another call found the queue unusable: the ingest is failing anyway, so stop spending calls.
      if (this.failure !== undefined) return;
      let result: Awaited<ReturnType<SendBatch>>;
      try {
        result = await this.sendBatch(remaining.map(({ id, body }) => ({ Id: id, MessageBody: body })));
      } catch (error) {
        if (attempt >= this.maxAttempts) throw new QueueSendError(attempt, error);
        this.logger.warn(
          { key: this.source.key, attempt, error: errorName(error) },
          "SendMessageBatch failed, retrying",
        );
        await this.sleep(this.delay(attempt));
        continue;
      }
      const succeeded = new Set(result.Successful?.map((entry) => entry.Id));
      const failed = new Map(result.Failed?.map((entry) => [entry.Id, entry]));
      const retry: Entry[] = [];
      for (const entry of remaining) {
        if (succeeded.has(entry.id)) {
          this.sent += 1;
          entry.settled?.(true);
          continue;
        }
        const error = failed.get(entry.id);
        if (error?.SenderFault !== true && attempt < this.maxAttempts) retry.push(entry);
        else await this.giveUp(entry, describe(error));
      }
      if (retry.length === 0) return;
      remaining = retry;
      await this.sleep(this.delay(attempt));
    }
  }

  private async giveUp(
    user: { line: number; userId: string; settled?: SettledCallback },
    reason: string,
  ): Promise<void> {
    this.failedToSend += 1;
    user.settled?.(false);
    this.logger.warn(
      { key: this.source.key, line: user.line, userId: user.userId, code: reason.split(":", 1)[0] },
      "user not sent",
    );
    await this.onUnsent({ line: user.line, userId: user.userId, reason });
  }

  /** Exponential backoff with "equal jitter": half the step for sure, the other half at random. */
  private delay(attempt: number): number {
    return backoffDelayMs(attempt, { baseMs: this.baseDelayMs, maxMs: this.maxDelayMs }, this.random);
  }
}

function describe(error: BatchResultErrorEntry | undefined): string {
  if (error === undefined) return "NoResult: SQS returned no result for this entry";
  const code = error.Code ?? "Unknown";
  return error.Message ? `${code}: ${error.Message}` : code;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new UserQueueOptionsError(name, `must be an integer ≥ ${min}, got ${value}`);
  }
}
