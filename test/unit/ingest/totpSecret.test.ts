import { describe, expect, it } from "vitest";
import { normaliseTotpSecret } from "../../../lib/ingest/totpSecret.js";

describe("normaliseTotpSecret", () => {
  it.each([
    ["JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP"],
    ["jbswy3dpehpk3pxp", "JBSWY3DPEHPK3PXP"],
    ["jbsw y3dp\tehpk 3pxp", "JBSWY3DPEHPK3PXP"],
    ["JBSWY3DPEHPK3PX=", "JBSWY3DPEHPK3PX"],
  ])("normalises %j to %s", (raw, secret) => {
    expect(normaliseTotpSecret(raw)).toEqual({ ok: true, secret });
  });

  it.each(["JBSW1", "JBSW=Y3DP", "JBSW-Y3DP", "jbsw8"])("rejects %j without quoting it", (raw) => {
    const result = normaliseTotpSecret(raw);
    expect(result).toEqual({
      ok: false,
      reason:
        "totp_secret is not base32 (only letters A-Z and digits 2-7, after removing spaces and '=' padding)",
    });
  });

  it("says a secret of only spaces and padding is empty", () => {
    expect(normaliseTotpSecret("  == ")).toEqual({ ok: false, reason: "totp_secret is empty" });
  });
});
