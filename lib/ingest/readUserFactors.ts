import { availableParallelism } from "node:os";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { CsvUserReader } from "./CsvUserReader.js";
import { CorruptInputError } from "./errors.js";
import { JsonlUserReader } from "./JsonlUserReader.js";
import { PhoneWorkerPool } from "./PhoneWorkerPool.js";
import type { PhoneNumberResult } from "./phoneNumber.js";
import { SeenUsers } from "./SeenUsers.js";
import type { FileKind, ReadOptions, ReadSummary, ReadUser, UserDraft } from "./types.js";
import type { UserDraftReader } from "./UserDraftReader.js";
import { createUserValidator } from "./validateUser.js";

/** Reading one file: iterate it once for its users; `summary` counts what has been read so far. */
export interface UserFactorsReader extends AsyncIterable<ReadUser> {
  readonly summary: ReadSummary;
}

const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
/** Batches (one per input chunk) whose phone numbers may be in a worker at once: bounds memory. */
const MAX_BATCHES_IN_FLIGHT = 2;

/** The users completed by one input chunk, and their phone numbers being normalised by a worker. */
interface Batch {
  drafts: UserDraft[];
  phones?: Promise<Map<string, PhoneNumberResult>>;
}

/** A batch whose phone numbers are known, with the file's set of users seen so far. */
interface ReadyBatch {
  drafts: UserDraft[];
  phones?: ReadonlyMap<string, PhoneNumberResult>;
  seen: SeenUsers;
}

/**
 * Streams a file of desired factors (CSV or JSONL, gzip or not) and yields each user in file order, valid
 * (normalised, with the line where it starts) or rejected (with every reason). Memory does not grow with
 * the file, but for a compact set of fingerprints of the user ids seen.
 *
 * File-level problems are thrown by the iterator as an {@link InputFileError}: header problems and an empty
 * file before any user; a {@link CorruptInputError} (bad gzip, runaway CSV row) after the users read up to
 * its `lastLine`, which stay valid. Errors of the input stream itself (e.g. the network) are thrown as they are.
 *
 * @example
 * const reader = readUserFactors(body, detectFileKind(key), { defaultCountry: "US" });
 * for await (const read of reader) {
 *   if (read.kind === "valid") await send(read.user);
 *   else rejects.push(read.user);
 * }
 * console.log(reader.summary); // { users, valid, rejected, methods, lines, bytes }
 */
export function readUserFactors(
  input: Readable,
  kind: FileKind,
  options: ReadOptions = {},
): UserFactorsReader {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const phoneWorkers = options.phoneWorkers ?? (availableParallelism() >= 2 ? 1 : 0);
  const validate = createUserValidator({
    format: kind.format,
    allowClear: options.allowClear,
    defaultCountry: options.defaultCountry,
  });
  const summary: ReadSummary = { users: 0, valid: 0, rejected: 0, methods: 0, lines: 0, bytes: 0 };
  let started = false;

  const settle = (draft: UserDraft, batch: ReadyBatch): ReadUser => {
    const firstLine = draft.userId === "" ? undefined : batch.seen.addOrGetLine(draft.userId, draft.line);
    const result = validate(draft, firstLine, batch.phones);
    summary.users++;
    if (result.kind === "valid") {
      summary.valid++;
      summary.methods += result.user.methods.length;
    } else {
      summary.rejected++;
    }
    return result;
  };

  /** Batches of users in file order, their phone numbers normalised; throws a file-level error after them. */
  async function* readBatches(): AsyncGenerator<ReadyBatch> {
    const reader: UserDraftReader =
      kind.format === "csv" ? new CsvUserReader({ maxRecordBytes }) : new JsonlUserReader({ maxRecordBytes });
    const seen = new SeenUsers();
    const pool = phoneWorkers > 0 ? new PhoneWorkerPool(phoneWorkers, options.defaultCountry) : undefined;
    const batches: Batch[] = [];
    let drafts: UserDraft[] = [];
    const seal = () => {
      if (drafts.length === 0) return;
      batches.push({ drafts, phones: pool?.normalise(phoneNumbersOf(drafts)) });
      drafts = [];
    };
    const ready = async (batch: Batch): Promise<ReadyBatch> => ({
      drafts: batch.drafts,
      phones: await batch.phones,
      seen,
    });

    const bytes = kind.gzip ? gunzip(input) : input;
    try {
      let failure: unknown;
      try {
        for await (const chunk of bytes) {
          summary.bytes += (chunk as Buffer).length;
          try {
            reader.write(chunk as Buffer, drafts);
          } finally {
            summary.lines = reader.lines;
            seal();
          }
          options.onProgress?.(summary);
          while (batches.length > MAX_BATCHES_IN_FLIGHT) yield await ready(batches.shift() as Batch);
        }
      } catch (error) {
        failure = isZlibError(error)
          ? new CorruptInputError("the gzip data is corrupt or truncated", 0)
          : error;
      }
      if (failure === undefined) {
        try {
          reader.end(drafts);
        } catch (error) {
          failure = error;
        } finally {
          summary.lines = reader.lines;
          seal();
        }
      }
      // Users completed before a failure are whole: hand them over, then say where reading stopped.
      for (const batch of batches.splice(0)) yield await ready(batch);
      if (failure instanceof CorruptInputError)
        throw new CorruptInputError(failure.reason, reader.completedLine);
      if (failure !== undefined) throw failure;
    } finally {
      await pool?.close();
    }
  }

  return {
    summary,
    [Symbol.asyncIterator](): AsyncIterator<ReadUser> {
      if (started) throw new Error("a UserFactorsReader can be iterated only once");
      started = true;
      // Users are validated one at a time as they are asked for (so the summary counts what was handed
      // over), but the generator resumes only once a batch: far fewer promise round trips.
      const source = readBatches();
      let batch: ReadyBatch | undefined;
      let next = 0;
      const advance = async (): Promise<IteratorResult<ReadUser>> => {
        for (;;) {
          if (batch !== undefined && next < batch.drafts.length) {
            return { value: settle(batch.drafts[next++] as UserDraft, batch), done: false };
          }
          const result = await source.next();
          if (result.done) return { value: undefined, done: true };
          batch = result.value;
          next = 0;
        }
      };
      return {
        next: () =>
          batch !== undefined && next < batch.drafts.length
            ? Promise.resolve({ value: settle(batch.drafts[next++] as UserDraft, batch), done: false })
            : advance(),
        return: async () => {
          await source.return(undefined);
          return { value: undefined, done: true };
        },
      };
    },
  };
}

function phoneNumbersOf(drafts: readonly UserDraft[]): string[] {
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
