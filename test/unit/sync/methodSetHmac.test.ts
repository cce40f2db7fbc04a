import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AuthenticationMethod } from "../../../lib/factors/types.js";
import { methodSetHmac } from "../../../lib/sync/methodSetHmac.js";

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 8);
const totp: AuthenticationMethod = { type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" };
const phone: AuthenticationMethod = {
  type: "phone",
  phone_number: "+14155550100",
  preferred_authentication_method: "sms",
};

describe("methodSetHmac", () => {
  it("gives the same HMAC for the same set in another order, fields in another order included", () => {
    const reordered: AuthenticationMethod = {
      preferred_authentication_method: "sms",
      phone_number: "+14155550100",
      type: "phone",
    };
    expect(methodSetHmac(KEY, "auth0|a", [totp, phone])).toBe(
      methodSetHmac(KEY, "auth0|a", [reordered, totp]),
    );
  });

  it.each([
    ["a changed phone number", [totp, { ...phone, phone_number: "+14155550101" }]],
    ["a changed secret", [{ ...totp, totp_secret: "JBSWY3DPEHPK3PXQ" }, phone]],
    ["a removed method", [totp]],
    ["an added name", [{ ...totp, name: "phone app" }, phone]],
    ["the empty set", []],
  ] satisfies [string, AuthenticationMethod[]][])("changes with %s", (_, methods) => {
    expect(methodSetHmac(KEY, "auth0|a", methods)).not.toBe(methodSetHmac(KEY, "auth0|a", [totp, phone]));
  });

  it("differs between users with the same methods, and between keys", () => {
    const base = methodSetHmac(KEY, "auth0|a", [totp]);
    expect(methodSetHmac(KEY, "auth0|b", [totp])).not.toBe(base);
    expect(methodSetHmac(OTHER_KEY, "auth0|a", [totp])).not.toBe(base);
  });

  it("is 32 bytes of base64url holding no factor value and no unkeyed hash of one", () => {
    const hmac = methodSetHmac(KEY, "auth0|a", [phone]);
    expect(hmac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hmac).not.toContain("14155550100");
    const plain = createHash("sha256").update("+14155550100").digest("base64url");
    expect(hmac).not.toBe(plain);
  });
});
