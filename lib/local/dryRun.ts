import { createReadStream } from "node:fs";
import type { CountryCode } from "libphonenumber-js";
import { emptyReadSummary } from "../ingest/emptyReadSummary.js";
import { detectFileKind, InputFileError, readUserFactors } from "../ingest/index.js";
import type { PhoneCheck, ReadSummary } from "../ingest/types.js";

/** What a dry run found: the counts of the file, and the file-level error that stopped it, if any. */
export interface DryRunSummary extends ReadSummary {
  durationMs: number;
  fileError?: { name: string; message: string; line?: number };
}

/**
 * Reads a local file exactly as ingest would (same reader, same validation) and counts its users, sending
 * nothing. A file-level problem is returned in `fileError`, with the counts up to it.
 *
 * @throws the file system's error when the file cannot be opened.
 * @example
 * const { users, valid, rejected } = await dryRun("users.csv", { defaultCountry: "US" });
 */
export async function dryRun(
  file: string,
  options: {
    allowClear?: boolean;
    defaultCountry?: CountryCode;
    phoneCheck?: PhoneCheck;
    clock?: () => number;
  } = {},
): Promise<DryRunSummary> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const empty = emptyReadSummary();
  let kind: ReturnType<typeof detectFileKind>;
  try {
    kind = detectFileKind(file);
  } catch (error) {
    return { ...empty, durationMs: clock() - started, fileError: toFileError(error) };
  }
  const inputs: ReturnType<typeof createReadStream>[] = [];
  const open = async () => {
    const input = createReadStream(file);
    inputs.push(input);
    await new Promise<void>((resolve, reject) => {
      input.once("open", () => resolve());
      input.once("error", reject);
    });
    return input;
  };
  const reader = readUserFactors(open, kind, {
    allowClear: options.allowClear,
    defaultCountry: options.defaultCountry,
    phoneCheck: options.phoneCheck,
  });
  let fileError: DryRunSummary["fileError"];
  try {
    // Both passes, as ingest reads the file: pass 2 counts the methods of the valid users.
    for await (const _ of reader) {
      // Counting only: the reader's summary keeps the counts.
    }
  } catch (error) {
    fileError = toFileError(error);
  } finally {
    for (const input of inputs) input.destroy();
  }
  return { ...reader.summary, durationMs: clock() - started, ...(fileError ? { fileError } : {}) };
}

function toFileError(error: unknown): NonNullable<DryRunSummary["fileError"]> {
  if (!(error instanceof InputFileError)) throw error;
  return {
    name: error.name,
    message: error.message,
    ...(error.line !== undefined ? { line: error.line } : {}),
  };
}
