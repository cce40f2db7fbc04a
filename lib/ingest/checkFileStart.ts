import type { Readable } from "node:stream";
import { readDraftBatches } from "./readDraftBatches.js";
import type { FileKind } from "./types.js";

/**
 * Reads a file only up to its first users, with the real reader, so that header problems and an empty file
 * show at once (a full read is two passes over the whole file). Throws what the reader throws.
 *
 * @example
 * await checkFileStart(createReadStream(path), { format: "csv", gzip: false }); // throws UnknownColumnError...
 */
export async function checkFileStart(input: Readable, kind: FileKind): Promise<void> {
  for await (const _ of readDraftBatches(input, kind, { maxRecordBytes: 1024 * 1024 })) break;
}
