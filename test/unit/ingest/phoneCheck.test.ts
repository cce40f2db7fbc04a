import { describe, expect, it } from "vitest";
import { InvalidPhoneCheckError } from "../../../lib/ingest/errors.js";
import { parsePhoneCheck } from "../../../lib/ingest/phoneCheck.js";

describe("parsePhoneCheck", () => {
  it.each([
    ["strict", "strict"],
    [" E164 ", "e164"],
  ] as const)("reads %j as %s", (value, check) => {
    expect(parsePhoneCheck(value)).toBe(check);
  });

  it("refuses anything else, naming both modes", () => {
    expect(() => parsePhoneCheck("loose")).toThrow(new InvalidPhoneCheckError("loose").message);
    expect(new InvalidPhoneCheckError("loose").message).toBe(
      "'loose' is not a phone check: expected strict (a valid number in its country's plan) or e164",
    );
  });
});
