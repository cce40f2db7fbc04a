import type { Readable } from "node:stream";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { CsvUserReader } from "./CsvUserReader.js";
import { CorruptInputError } from "./errors.js";
import { JsonlUserReader } from "./JsonlUserReader.js";
import { SeenUsers } from "./SeenUsers.js";
import type { FileKind, ReadOptions, ReadSummary, ReadUser, UserDraft } from "./types.js";
import type { UserDraftReader } from "./UserDraftReader.js";
import { createUserValidator } from "./validateUser.js";

/** Reading one file: iterate it once for its users; `summary` counts what has been read so far. */
export interface UserFactorsReader extends AsyncIterable<ReadUser> {
  readonly summary: ReadSummary;
}

const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

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
  const validate = createUserValidator({
    allowClear: options.allowClear,
    defaultCountry: options.defaultCountry,
  });
  const summary: ReadSummary = { users: 0, valid: 0, rejected: 0, methods: 0, lines: 0, bytes: 0 };
  let started = false;

  async function* read(): AsyncGenerator<ReadUser> {
    const reader: UserDraftReader =
      kind.format === "csv" ? new CsvUserReader({ maxRecordBytes }) : new JsonlUserReader({ maxRecordBytes });
    const seen = new SeenUsers();
    const drafts: UserDraft[] = [];
    const settle = (draft: UserDraft): ReadUser => {
      const firstLine = draft.userId === "" ? undefined : seen.addOrGetLine(draft.userId, draft.line);
      const result = validate(draft, firstLine);
      summary.users++;
      if (result.kind === "valid") {
        summary.valid++;
        summary.methods += result.user.methods.length;
      } else {
        summary.rejected++;
      }
      return result;
    };
    const bytes = kind.gzip ? gunzip(input) : input;
    let failure: unknown;
    try {
      for await (const chunk of bytes) {
        summary.bytes += (chunk as Buffer).length;
        try {
          reader.write(chunk as Buffer, drafts);
        } finally {
          summary.lines = reader.lines;
        }
        for (const draft of drafts) yield settle(draft);
        drafts.length = 0;
      }
    } catch (error) {
      failure = isZlibError(error)
        ? new CorruptInputError("the gzip data is corrupt or truncated", 0)
        : error;
    }
    if (failure !== undefined) {
      // Users completed before the failure are whole: hand them over, then say where reading stopped.
      for (const draft of drafts) yield settle(draft);
      if (failure instanceof CorruptInputError) {
        throw new CorruptInputError(failure.reason, reader.completedLine);
      }
      throw failure;
    }
    try {
      reader.end(drafts);
    } finally {
      summary.lines = reader.lines;
    }
    for (const draft of drafts) yield settle(draft);
  }

  return {
    summary,
    [Symbol.asyncIterator]() {
      if (started) throw new Error("a UserFactorsReader can be iterated only once");
      started = true;
      return read();
    },
  };
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
