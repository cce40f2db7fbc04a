import { isUtf8 } from "node:buffer";
import { EmptyFileError } from "./errors.js";
import { LineSplitter } from "./LineSplitter.js";
import type { MethodDraft, UserDraft } from "./types.js";
import type { ReaderStart, UserDraftReader } from "./UserDraftReader.js";
import { Utf8Validator } from "./Utf8Validator.js";

const USER_FIELDS: ReadonlySet<string> = new Set(["user_id", "authentication_methods"]);
/** Finds the user id of a line that is not valid JSON, so the report can still name the user. */
const USER_ID_PATTERN = /"user_id"\s*:\s*"((?:[^"\\]|\\.)*)"/;

/**
 * Reads JSONL bytes into users: one user a line, `{"user_id": "...", "authentication_methods": [...]}`.
 * A line that cannot be read (not UTF-8, not JSON, not an object, too long) rejects that user only.
 *
 * @example
 * const reader = new JsonlUserReader({ maxRecordBytes: 1 << 20 });
 * const drafts: UserDraft[] = [];
 * for await (const chunk of bytes) reader.write(chunk, drafts);
 * reader.end(drafts);
 */
export class JsonlUserReader implements UserDraftReader {
  private readonly splitter: LineSplitter;
  private readonly utf8 = new Utf8Validator();
  private readonly maxRecordBytes: number;
  private invalidUtf8Seen = false;
  private line = 0;
  private content = false;
  private out: UserDraft[] = [];
  private readonly onLine = (bytes: Buffer, tooLong: boolean) => this.readLine(bytes, tooLong);

  public constructor(options: { maxRecordBytes: number; start?: ReaderStart }) {
    this.maxRecordBytes = options.maxRecordBytes;
    this.splitter = new LineSplitter(options.maxRecordBytes, options.start?.byte ?? 0);
    if (options.start !== undefined) {
      this.line = options.start.line - 1;
      // The file had content before where this reading starts (a continuation).
      this.content = options.start.byte > 0;
    }
  }

  public get lines(): number {
    return this.line;
  }

  public get completedLine(): number {
    return this.line;
  }

  public write(chunk: Buffer, out: UserDraft[]): void {
    this.out = out;
    if (!this.utf8.write(chunk)) this.invalidUtf8Seen = true;
    this.splitter.write(chunk, this.onLine);
  }

  public end(out: UserDraft[]): void {
    this.out = out;
    if (!this.utf8.end()) this.invalidUtf8Seen = true;
    this.splitter.end(this.onLine);
    if (!this.content) throw new EmptyFileError();
  }

  private readLine(bytes: Buffer, tooLong: boolean): void {
    const line = ++this.line;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    if (tooLong) {
      this.reject(line, bytes.toString("utf8"), `the line is longer than ${this.maxRecordBytes} bytes`);
      return;
    }
    const text = bytes.toString("utf8", 0, end);
    if (this.invalidUtf8Seen && !isUtf8(bytes.subarray(0, end))) {
      this.reject(line, text, "the line is not valid UTF-8");
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Never JSON.parse's message: it quotes the line, which may hold a TOTP secret.
      if (text.trim() !== "") this.reject(line, text, "the line is not valid JSON");
      return;
    }
    this.content = true;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.reject(line, text, `the line is ${describe(value)}, not a JSON object`);
      return;
    }
    this.out.push(toDraft(value as Record<string, unknown>, line, this.splitter.lineEnd));
  }

  private reject(line: number, text: string, message: string): void {
    this.content = true;
    this.out.push({
      userId: findUserId(text),
      line,
      endLine: line,
      endByte: this.splitter.lineEnd,
      methods: [],
      errors: [{ at: -1, message }],
      parts: 1,
      clear: false,
    });
  }
}

function toDraft(object: Record<string, unknown>, line: number, endByte: number): UserDraft {
  const draft: UserDraft = {
    userId: "",
    line,
    endLine: line,
    endByte,
    methods: [],
    errors: [],
    parts: 1,
    clear: false,
  };
  const error = (message: string, at = -1) => draft.errors.push({ at, message });
  for (const key of Object.keys(object)) {
    if (!USER_FIELDS.has(key)) error(`unknown field ${JSON.stringify(key.slice(0, 40))}`);
  }
  const userId = object.user_id;
  if (userId === undefined || userId === null) error("user_id is missing");
  else if (typeof userId !== "string") error("user_id must be a string");
  else if (userId.trim() === "") error("user_id is empty");
  else draft.userId = userId.trim();

  const methods = object.authentication_methods;
  if (methods === undefined || methods === null) error("authentication_methods is missing");
  else if (!Array.isArray(methods)) error("authentication_methods must be an array");
  else if (methods.length === 0) draft.clear = true;
  else {
    draft.parts = methods.length;
    methods.forEach((method: unknown, index) => {
      if (typeof method !== "object" || method === null || Array.isArray(method)) {
        error("a method must be an object", index);
        return;
      }
      draft.methods.push(toMethodDraft(method as Record<string, unknown>, index));
    });
  }
  return draft;
}

/** A method object as written, null fields dropped (exports often write absent fields as null), type lower-cased. */
function toMethodDraft(method: Record<string, unknown>, at: number): MethodDraft {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(method)) {
    if (value === null) continue;
    input[key] = key === "type" && typeof value === "string" ? value.trim().toLowerCase() : value;
  }
  return { at, input };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a JSON array";
  if (value === null) return "null";
  return `a JSON ${typeof value}`;
}

function findUserId(text: string): string {
  const match = USER_ID_PATTERN.exec(text.length > 65_536 ? text.slice(0, 65_536) : text);
  if (match === null) return "";
  try {
    return (JSON.parse(`"${match[1]}"`) as string).trim();
  } catch {
    return (match[1] as string).trim();
  }
}
