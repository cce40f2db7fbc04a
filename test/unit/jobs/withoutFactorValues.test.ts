import { describe, expect, it } from "vitest";
import { withoutFactorValues } from "../../../lib/jobs/withoutFactorValues.js";

describe("withoutFactorValues", () => {
  it("removes the user's TOTP secret, phone number and email wherever they appear", () => {
    const text = "bad +15551234567 and a@example.com, secret JBSWY3DPEHPK3PXP; again +15551234567";
    expect(
      withoutFactorValues(text, [
        { type: "phone", phone_number: "+15551234567" },
        { type: "email", email: "a@example.com" },
        { type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" },
      ]),
    ).toBe("bad [redacted] and [redacted], secret [redacted]; again [redacted]");
  });
});
