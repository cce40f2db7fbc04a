/** Called for each line, without its `\n`; `tooLong` lines carry only their first bytes. */
export type LineHandler = (line: Buffer, tooLong: boolean) => void;

/** How much of an over-long line is kept, to find its user id for the report. */
const HEAD_BYTES = 64 * 1024;

/**
 * Splits a byte stream on `\n` without decoding it (so each line can be checked for invalid UTF-8), and
 * with bounded memory: a line longer than `maxLineBytes` is reported as too long, keeping only its start.
 *
 * @example
 * const splitter = new LineSplitter(1 << 20);
 * for await (const chunk of input) splitter.write(chunk, onLine);
 * splitter.end(onLine);
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  private tooLong = false;
  /** Bytes given before the current chunk. */
  private base: number;
  /**
   * Byte offset just after the line last handed over (its `\n` included): where the next line starts. Counts
   * from `startByte`.
   */
  public lineEnd: number;

  public constructor(
    private readonly maxLineBytes: number,
    /** Byte offset of the first byte given (a continuation starts mid-file). @default 0 */
    startByte = 0,
  ) {
    this.base = startByte;
    this.lineEnd = startByte;
  }

  public write(chunk: Buffer, onLine: LineHandler): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) {
        this.append(chunk.subarray(start));
        this.base += chunk.length;
        return;
      }
      this.lineEnd = this.base + newline + 1;
      if (this.length === 0 && !this.tooLong && newline - start <= this.maxLineBytes) {
        onLine(chunk.subarray(start, newline), false); // the common case: the whole line is in this chunk
      } else {
        this.append(chunk.subarray(start, newline));
        this.flush(onLine);
      }
      start = newline + 1;
    }
  }

  /** Hands over the last line when the stream does not end with a line break. */
  public end(onLine: LineHandler): void {
    this.lineEnd = this.base;
    if (this.length > 0 || this.tooLong) this.flush(onLine);
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.tooLong) return;
    if (this.length + piece.length > this.maxLineBytes) {
      this.tooLong = true;
      const head = Buffer.concat([...this.parts, piece]).subarray(0, HEAD_BYTES);
      this.parts = [Buffer.from(head)];
      this.length = head.length;
      return;
    }
    this.parts.push(piece);
    this.length += piece.length;
  }

  private flush(onLine: LineHandler): void {
    const line = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.length);
    const tooLong = this.tooLong;
    this.parts = [];
    this.length = 0;
    this.tooLong = false;
    onLine(line, tooLong);
  }
}
