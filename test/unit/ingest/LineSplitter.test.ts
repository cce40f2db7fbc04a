import { describe, expect, it } from "vitest";
import { LineSplitter } from "../../../lib/ingest/LineSplitter.js";

function split(chunks: string[], max = 100): [string, boolean][] {
  const lines: [string, boolean][] = [];
  const splitter = new LineSplitter(max);
  const onLine = (line: Buffer, tooLong: boolean) => lines.push([line.toString(), tooLong]);
  for (const chunk of chunks) splitter.write(Buffer.from(chunk), onLine);
  splitter.end(onLine);
  return lines;
}

describe("LineSplitter", () => {
  it("splits on LF across chunk boundaries, keeping empty lines and a last line without LF", () => {
    expect(split(["a\nb", "c\n\nd", "e"])).toEqual([
      ["a", false],
      ["bc", false],
      ["", false],
      ["de", false],
    ]);
  });

  it("hands over nothing more when the input ends with LF", () => {
    expect(split(["a\n"])).toEqual([["a", false]]);
  });

  it("reports a line longer than the limit as too long, keeping its start, then goes on", () => {
    expect(split(["x".repeat(30), "y".repeat(30), "\nok\n"], 50)).toEqual([
      [`${"x".repeat(30)}${"y".repeat(30)}`, true],
      ["ok", false],
    ]);
  });
});
