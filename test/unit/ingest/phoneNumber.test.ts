import { describe, expect, it } from "vitest";
import { normalisePhoneNumber } from "../../../lib/ingest/phoneNumber.js";

describe("normalisePhoneNumber", () => {
  it.each([
    ["+14155552671", undefined, "+14155552671"],
    ["+1 (415) 555-2671", undefined, "+14155552671"],
    ["+44 7911.123.456", undefined, "+447911123456"],
    ["(415) 555-2671", "US", "+14155552671"],
    ["07911 123456", "GB", "+447911123456"],
    ["+4915123456789", "GB", "+4915123456789"],
  ] as const)("normalises %j (default country %s) to %s", (raw, country, e164) => {
    expect(normalisePhoneNumber(raw, country)).toEqual({ ok: true, e164 });
  });

  it.each([
    [
      "555-1234",
      undefined,
      "phone_number '555-1234' is not E.164 (add the country code, or set --default-country)",
    ],
    [
      "555-1234",
      "US",
      "phone_number '555-1234' is neither E.164 nor a valid US number (if the number is real, accept numbers outside the bundled plan with --phone-check e164 or the object metadata phone-check: e164)",
    ],
    [
      "+1 415 555 2671 00000",
      undefined,
      "phone_number '+1 415 555 2671 00000' is not E.164: it has 16 digits, E.164 allows 8 to 15",
    ],
    ["+1234567", undefined, "phone_number '+1234567' is not E.164: it has 7 digits, E.164 allows 8 to 15"],
    ["+1 415 CALL ME", undefined, "phone_number '+1 415 CALL ME' is not E.164 ('+' and digits only)"],
    [
      "+15555551234",
      undefined,
      "phone_number '+15555551234' is not a valid phone number (no such number in its country's plan; if the number is real, accept numbers outside the bundled plan with --phone-check e164 or the object metadata phone-check: e164)",
    ],
  ] as const)("rejects %j (default country %s), quoting it", (raw, country, reason) => {
    expect(normalisePhoneNumber(raw, country)).toEqual({ ok: false, reason });
  });

  describe("with the e164 check", () => {
    it.each([
      ["+15555551234", undefined, "+15555551234"],
      ["+44 (0) 20 7946 0000", undefined, "+4402079460000"],
      ["07911 123456", "GB", "+447911123456"],
      ["555-1234", "US", "+15551234"],
    ] as const)("accepts %j (default country %s) as %s: Auth0's rule only", (raw, country, e164) => {
      expect(normalisePhoneNumber(raw, country, "e164")).toEqual({ ok: true, e164 });
    });

    it.each([
      ["+1234567", undefined, "phone_number '+1234567' is not E.164: it has 7 digits, E.164 allows 8 to 15"],
      ["+1 415 CALL ME", undefined, "phone_number '+1 415 CALL ME' is not E.164 ('+' and digits only)"],
      [
        "555-1234",
        undefined,
        "phone_number '555-1234' is not E.164 (add the country code, or set --default-country)",
      ],
    ] as const)("still rejects %j (default country %s)", (raw, country, reason) => {
      expect(normalisePhoneNumber(raw, country, "e164")).toEqual({ ok: false, reason });
    });
  });

  it("takes a number in strict mode as the library writes it, which may differ from the input", () => {
    expect(normalisePhoneNumber("+44 (0) 20 7946 0000")).toEqual({ ok: true, e164: "+442079460000" });
  });
});
