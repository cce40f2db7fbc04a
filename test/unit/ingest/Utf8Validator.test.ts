import { describe, expect, it } from "vitest";
import { Utf8Validator } from "../../../lib/ingest/Utf8Validator.js";

describe("Utf8Validator", () => {
  it("accepts a character split across chunks", () => {
    const bytes = Buffer.from("a🔑é");
    const utf8 = new Utf8Validator();
    for (let i = 0; i < bytes.length; i++) expect(utf8.write(bytes.subarray(i, i + 1))).toBe(true);
    expect(utf8.end()).toBe(true);
  });

  it("finds an invalid byte", () => {
    const utf8 = new Utf8Validator();
    expect(utf8.write(Buffer.from([0x61, 0xff, 0x62]))).toBe(false);
  });

  it("finds a character cut off by the end of the input", () => {
    const utf8 = new Utf8Validator();
    expect(utf8.write(Buffer.from("ab🔑").subarray(0, 4))).toBe(true);
    expect(utf8.end()).toBe(false);
  });
});
