import type { CountryCode } from "libphonenumber-js";
import { createIngestHandler, type IngestHandler } from "../../lib/ingest/createIngestHandler.js";
import { type Logger, silentLogger } from "../../lib/logging/Logger.js";
import type { InvocationMetrics } from "../../lib/metrics/types.js";
import type { Emulator } from "./emulator.js";

/** The times a {@link steppingClock} gives, from `2026-11-29T18:00:00.000Z`. */
export const CLOCK_START = "2026-11-29T18:00:00.000Z";

/** A clock that starts at {@link CLOCK_START} and moves `stepMs` forward on every call. */
export function steppingClock(stepMs = 1_500): () => Date {
  let calls = 0;
  return () => new Date(Date.parse(CLOCK_START) + stepMs * calls++);
}

/** Options of {@link makeIngestHandler}. */
export interface TestIngestHandlerOptions {
  /** @default the emulator's queue */
  queueUrl?: string;
  /** @default silentLogger */
  logger?: Logger;
  /** @default "reports/" */
  reportsPrefix?: string;
  defaultCountry?: CountryCode;
  /** @default 10 */
  sendConcurrency?: number;
  /** @default steppingClock(): a run takes 1.5 s from CLOCK_START */
  now?: () => Date;
  /** @default none (silentMetrics) */
  metrics?: InvocationMetrics;
}

/** The real ingest handler wired to the emulator, with a predictable clock. */
export function makeIngestHandler(
  emulator: Pick<Emulator, "s3" | "sqs" | "queueUrl">,
  options: TestIngestHandlerOptions = {},
): IngestHandler {
  return createIngestHandler({
    s3: emulator.s3,
    sqs: emulator.sqs,
    logger: options.logger ?? silentLogger,
    now: options.now ?? steppingClock(),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    config: {
      queueUrl: options.queueUrl ?? emulator.queueUrl,
      reportsPrefix: options.reportsPrefix ?? "reports/",
      ...(options.defaultCountry !== undefined ? { defaultCountry: options.defaultCountry } : {}),
      sendConcurrency: options.sendConcurrency ?? 10,
    },
  });
}
