import { describe, expect, it } from "vitest";
import { validateAuthenticationMethods } from "../../../lib/simulator/authenticationMethods.js";

describe("validateAuthenticationMethods", () => {
  it("returns the methods with only the fields that were sent", () => {
    expect(
      validateAuthenticationMethods([
        {
          type: "phone",
          phone_number: "+4915112345678",
          preferred_authentication_method: "sms",
          name: "Mobile",
        },
        { type: "totp", totp_secret: "jbswy3dp====" },
      ]),
    ).toEqual({
      valid: true,
      methods: [
        {
          type: "phone",
          phone_number: "+4915112345678",
          preferred_authentication_method: "sms",
          name: "Mobile",
        },
        { type: "totp", totp_secret: "jbswy3dp====" },
      ],
    });
  });

  it("never quotes a TOTP secret in its message", () => {
    const result = validateAuthenticationMethods([{ type: "totp", totp_secret: "SECRET-VALUE-1" }]);
    expect(result.valid).toBe(false);
    expect(JSON.stringify(result)).not.toContain("SECRET-VALUE-1");
  });

  it("names every unexpected field of an item", () => {
    expect(
      validateAuthenticationMethods([{ type: "totp", totp_secret: "A", email: "x", phone_number: "y" }]),
    ).toEqual({
      valid: false,
      message:
        "Payload validation error: 'Additional properties not allowed: email,phone_number' on property [0].",
    });
  });

  it("reports null the way JSON Schema names it", () => {
    expect(validateAuthenticationMethods(null)).toEqual({
      valid: false,
      message: "Payload validation error: 'Expected type array but found type null'.",
    });
  });
});
