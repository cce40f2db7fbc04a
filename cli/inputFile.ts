import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { checkFileStart } from "../lib/ingest/checkFileStart.js";
import { detectFileKind, detectUtf16, type FileKind, InputFileError } from "../lib/ingest/index.js";
import { CliError } from "./errors.js";

/** A file the user named, checked before anything starts. */
export interface InputFile {
  /** As the user typed it: what messages echo. */
  typed: string;
  /** Absolute, resolved against the directory the command was typed in. */
  path: string;
  kind: FileKind;
}

/** Bytes read to tell the encoding. */
const SNIFF_BYTES = 4096;

/**
 * Checks a file before any work starts (no simulator, no emulator, no question): it exists and is a file,
 * its name is supported, it is not UTF-16, and its start (the CSV header) reads. Paths are relative to `cwd`,
 * the directory where the user typed the command (`npm start` changes into npm's INIT_CWD first).
 *
 * @throws {@link CliError} (exit 2) saying what is wrong and what to do, with `file` as typed.
 * @example
 * const input = await checkInputFile("../users.csv"); // { typed: "../users.csv", path: "/home/me/users.csv", ... }
 */
export async function checkInputFile(typed: string, cwd = process.cwd()): Promise<InputFile> {
  const path = resolve(cwd, typed);
  const problem = (message: string, line?: number) =>
    new CliError(message, { fields: { file: typed, ...(line === undefined ? {} : { line }) } });
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw problem(`cannot read '${typed}': it is a directory, not a file`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw problem(`cannot read '${typed}': ${describeFsError(error, path)}`);
  }
  let kind: FileKind;
  try {
    kind = detectFileKind(typed);
  } catch (error) {
    throw problem((error as Error).message);
  }
  const start = await firstBytes(path, kind).catch((error: unknown) => {
    if (isZlibError(error))
      throw problem(`'${typed}': the gzip data is corrupt or truncated, or it is not gzip`);
    throw problem(`cannot read '${typed}': ${describeFsError(error, path)}`);
  });
  const utf16 = detectUtf16(start);
  // csv-parse reads UTF-16LE with a byte-order mark itself; anything else UTF-16 would be misread.
  if (
    utf16 !== undefined &&
    !(kind.format === "csv" && utf16.byteOrderMark && utf16.encoding === "UTF-16LE")
  ) {
    throw problem(`'${typed}': ${withFileName(utf16.message, typed)}`);
  }
  await checkFirstUser(path, kind).catch((error: unknown) => {
    if (error instanceof InputFileError) throw problem(`'${typed}': ${error.message}`, error.line);
    throw problem(`cannot read '${typed}': ${describeFsError(error, path)}`);
  });
  return { typed, path, kind };
}

function open(path: string, kind: FileKind): Readable {
  const raw = createReadStream(path);
  if (!kind.gzip) return raw;
  const gunzip = createGunzip();
  raw.on("error", (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

async function firstBytes(path: string, kind: FileKind): Promise<Uint8Array> {
  const input = open(path, kind);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of input) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= SNIFF_BYTES) break;
    }
  } finally {
    input.destroy();
  }
  return Buffer.concat(chunks).subarray(0, SNIFF_BYTES);
}

/** Reads up to the first user, with the real reader: header problems and an empty file show here. */
async function checkFirstUser(path: string, kind: FileKind): Promise<void> {
  // The reader decompresses by itself.
  const input = createReadStream(path);
  try {
    await checkFileStart(input, kind);
  } finally {
    input.destroy();
  }
}

function describeFsError(error: unknown, path: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return `no such file (looked for ${path})`;
  if (code === "EISDIR") return "it is a directory, not a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return error instanceof Error ? error.message.split("\n")[0] || error.name : String(error);
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("Z_");
}

/** The conversion example of a {@link Utf16Error} with the user's own file name: `users.csv > users-utf8.csv`. */
function withFileName(message: string, typed: string): string {
  const converted = typed.replace(/(\.(csv|jsonl))?$/i, (ext) => `-utf8${ext || ".csv"}`);
  return message
    .replace("FILE > FILE-utf8.csv", `${quoteForShell(typed)} > ${quoteForShell(converted)}`)
    .replaceAll("FILE", quoteForShell(typed));
}

/** Quotes a path for a POSIX shell when it needs it. */
function quoteForShell(text: string): string {
  return /^[\w./+-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
