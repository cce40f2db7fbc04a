import { describe, expect, it } from "vitest";
import { ReasonCounts, reasonKind } from "../../../cli/reasonCounts.js";

describe("counting rejection reasons", () => {
  it.each([
    [
      "phone_number '555-1234' is not E.164 (add the country code, or set --default-country)",
      "phone_number '…' is not E.164 (add the country code, or set --default-country)",
    ],
    [
      "line 4: name 'Work phone of Ann' is 24 characters long, at most 20 are allowed",
      "name '…' is N characters long, at most 20 are allowed",
    ],
    [
      "the same user_id already appeared on line 12: all of ...",
      "the same user_id already appeared on line N: all of ...",
    ],
    ['authentication_methods[2]: unknown field "phone"', 'unknown field "…"'],
    [
      "totp_secret is not base32 (only letters A-Z and digits 2-7)",
      "totp_secret is not base32 (only letters A-Z and digits 2-7)",
    ],
  ])("takes what is particular to one user out of %j", (reason, kind) => {
    expect(reasonKind(reason)).toBe(kind);
  });

  it("counts each kind once per user, most frequent first", () => {
    const counts = new ReasonCounts();
    counts.add({
      line: 2,
      userId: "a",
      errors: ["type 'sms' is not phone, email or totp", "type 'x' is not phone, email or totp"],
    });
    counts.add({ line: 3, userId: "b", errors: ["type 'fax' is not phone, email or totp", "name is empty"] });
    counts.add({ line: 4, userId: "c", errors: ["email is empty"] });
    expect(counts.sorted()).toEqual([
      ["type '…' is not phone, email or totp", 2],
      ["email is empty", 1],
      ["name is empty", 1],
    ]);
  });
});
