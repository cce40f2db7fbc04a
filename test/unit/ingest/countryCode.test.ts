import { describe, expect, it } from "vitest";
import { parseCountryCode } from "../../../lib/ingest/countryCode.js";
import { InvalidCountryError } from "../../../lib/ingest/errors.js";

describe("parseCountryCode", () => {
  it("accepts an ISO alpha-2 code in any case, trimmed", () => {
    expect(parseCountryCode(" gb ")).toBe("GB");
  });

  it.each(["XX", "USA", "", "1"])("refuses %j with InvalidCountryError", (value) => {
    expect(() => parseCountryCode(value)).toThrow(InvalidCountryError);
  });
});
