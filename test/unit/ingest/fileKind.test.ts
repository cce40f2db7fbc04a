import { describe, expect, it } from "vitest";
import { UnsupportedFileError } from "../../../lib/ingest/errors.js";
import { detectFileKind } from "../../../lib/ingest/fileKind.js";

describe("detectFileKind", () => {
  it.each([
    ["users.csv", { format: "csv", gzip: false }],
    ["incoming/2026/users.csv.gz", { format: "csv", gzip: true }],
    ["USERS.CSV.GZ", { format: "csv", gzip: true }],
    ["a/b/users.jsonl", { format: "jsonl", gzip: false }],
    ["users.JsonL.gz", { format: "jsonl", gzip: true }],
  ])("reads %s as %o", (name, kind) => {
    expect(detectFileKind(name)).toEqual(kind);
  });

  it.each(["users.json", "users.csv.zip", "users.gz", "users.csv.bak", "users", "users.tsv"])(
    "refuses %s with UnsupportedFileError naming the file",
    (name) => {
      expect(() => detectFileKind(name)).toThrow(UnsupportedFileError);
      expect(() => detectFileKind(name)).toThrow(`unsupported file name '${name}'`);
    },
  );
});
