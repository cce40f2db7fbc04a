import { pino } from "pino";

/** The narrow logger every `lib/` module takes: pino-compatible, easy to fake. */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/**
 * Keys whose values are never written, wherever they appear in a log object (two levels deep), as a second
 * line of defence: code must not pass rows, methods or message bodies to a logger in the first place.
 */
export const REDACTED_KEYS = ["totp_secret", "phone_number", "email", "methods", "body", "row", "record"];

const redactPaths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** @default process.env.LOG_LEVEL ?? "info" */
  level?: string;
  /** Where lines go. @default standard output */
  destination?: NodeJS.WritableStream;
  /** Fields on every line, e.g. `{ fn: "ingest" }`. */
  base?: Record<string, unknown>;
}

/**
 * A pino logger that writes one JSON line per event and redacts {@link REDACTED_KEYS}.
 *
 * @example
 * const logger = createLogger({ base: { fn: "apply" } });
 * logger.info({ users: 10 }, "batch done");
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      base: options.base ?? null,
      redact: { paths: redactPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}

/** A logger that writes nothing, for callers that do not want logs (the CLI's quiet paths, unit tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
