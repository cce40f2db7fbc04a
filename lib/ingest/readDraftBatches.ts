import type { Readable } from "node:stream";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { CsvUserReader } from "./CsvUserReader.js";
import { CorruptInputError } from "./errors.js";
import { JsonlUserReader } from "./JsonlUserReader.js";
import type { PhoneNumberResult } from "./phoneNumber.js";
import type { FileKind, UserDraft } from "./types.js";
import type { ReaderStart, UserDraftReader } from "./UserDraftReader.js";

/** Batches (one per input chunk) whose phone numbers may be being normalised at once: bounds memory. */
const MAX_BATCHES_IN_FLIGHT = 2;

/** The users completed by one input chunk, in file order, with the phone numbers asked for already normalised. */
export interface DraftBatch {
  drafts: UserDraft[];
  phones?: ReadonlyMap<string, PhoneNumberResult>;
  /** The CSV header's cells (for a checkpoint), once read. */
  header?: readonly string[];
}

/** A batch whose phone numbers may still be with a worker. */
interface Batch {
  drafts: UserDraft[];
  phones?: Promise<Map<string, PhoneNumberResult>>;
  header?: readonly string[];
}

/** Options of {@link readDraftBatches}. */
export interface DraftBatchOptions {
  maxRecordBytes: number;
  /**
   * Normalises phone numbers elsewhere (a worker) while the next chunks are parsed: given the numbers of a
   * batch that {@link DraftBatchOptions.numbersOf} picks, its answer comes with the batch. None: no numbers
   * are normalised ahead.
   */
  normalise?: (numbers: string[]) => Promise<Map<string, PhoneNumberResult>>;
  /** The phone numbers (trimmed, as written) of a batch to normalise ahead. @default every number */
  numbersOf?: (drafts: readonly UserDraft[]) => string[];
  /** Told the lines and (decompressed) bytes read so far, after every chunk. */
  onProgress?: (lines: number, bytes: number) => void;
  /**
   * Where reading starts when not at the beginning (a continuation): an uncompressed `input` starts at
   * `start.byte` (a range read); a gzip `input` starts at byte 0 of the compressed object and the first
   * `start.byte` decompressed bytes are inflated and skipped (see docs/continuation.md for why).
   * @default the beginning of the file
   */
  start?: ReaderStart;
}

/**
 * The reading loop both passes share: streams a file (gunzipped when its kind says so) through the reader of
 * its format and yields its users in batches, in file order. A file-level error is thrown after the users
 * completed before it, as a {@link CorruptInputError} saying after which line reading stopped when the data
 * itself is damaged.
 *
 * @example
 * for await (const batch of readDraftBatches(body, { format: "csv", gzip: false }, { maxRecordBytes: 1 << 20 })) {
 *   for (const draft of batch.drafts) check(draft, batch.phones);
 * }
 */
export async function* readDraftBatches(
  input: Readable,
  kind: FileKind,
  options: DraftBatchOptions,
): AsyncGenerator<DraftBatch> {
  const { maxRecordBytes, normalise } = options;
  const numbersOf = options.numbersOf ?? phoneNumbersOf;
  const start = options.start;
  const reader: UserDraftReader =
    kind.format === "csv"
      ? new CsvUserReader({ maxRecordBytes, start })
      : new JsonlUserReader({ maxRecordBytes, start });
  const batches: Batch[] = [];
  let drafts: UserDraft[] = [];
  let bytesRead = start?.byte ?? 0;
  const seal = () => {
    options.onProgress?.(reader.lines, bytesRead);
    if (drafts.length === 0) return;
    const numbers = normalise === undefined ? [] : numbersOf(drafts);
    batches.push({
      drafts,
      phones: numbers.length > 0 ? normalise?.(numbers) : undefined,
      header: reader.headerCells,
    });
    drafts = [];
  };
  const ready = async (batch: Batch): Promise<DraftBatch> => ({
    drafts: batch.drafts,
    phones: await batch.phones,
    ...(batch.header !== undefined ? { header: batch.header } : {}),
  });

  // A gzip stream is inflated from its start and the bytes before the checkpoint are dropped unparsed.
  let skip = kind.gzip ? (start?.byte ?? 0) : 0;
  const bytes = kind.gzip ? gunzip(input) : input;
  let failure: unknown;
  try {
    for await (const read of bytes) {
      let chunk = read as Buffer;
      if (skip > 0) {
        if (chunk.length <= skip) {
          skip -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(skip);
        skip = 0;
      }
      bytesRead += chunk.length;
      try {
        reader.write(chunk, drafts);
      } finally {
        seal();
      }
      while (batches.length > MAX_BATCHES_IN_FLIGHT) yield await ready(batches.shift() as Batch);
    }
  } catch (error) {
    failure = isZlibError(error) ? new CorruptInputError("the gzip data is corrupt or truncated", 0) : error;
  }
  if (failure === undefined && skip > 0) {
    failure = new CorruptInputError("the gzip data ends before the checkpoint it was read to", 0);
  }
  if (failure === undefined) {
    try {
      reader.end(drafts);
    } catch (error) {
      failure = error;
    } finally {
      seal();
    }
  }
  // Users completed before a failure are whole: hand them over, then say where reading stopped.
  for (const batch of batches.splice(0)) yield await ready(batch);
  if (failure instanceof CorruptInputError) throw new CorruptInputError(failure.reason, reader.completedLine);
  if (failure !== undefined) throw failure;
}

/** Every phone number of the drafts, trimmed, as written. */
export function phoneNumbersOf(drafts: readonly UserDraft[]): string[] {
  const numbers: string[] = [];
  for (const draft of drafts) {
    for (const method of draft.methods) {
      const value = method.input.phone_number;
      if (typeof value === "string") numbers.push(value.trim());
    }
  }
  return numbers;
}

function gunzip(input: Readable): Readable {
  const output = createGunzip();
  // Errors of either side end the output, where the iterator sees them.
  pipeline(input, output, () => {});
  return output;
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("Z_");
}
