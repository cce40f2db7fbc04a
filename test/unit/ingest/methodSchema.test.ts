import { describe, expect, it } from "vitest";
import { createMethodSchema } from "../../../lib/ingest/methodSchema.js";
import { normalisePhoneNumber } from "../../../lib/ingest/phoneNumber.js";

const schema = createMethodSchema((raw) => normalisePhoneNumber(raw, "US"));
const messages = (input: unknown) => {
  const result = schema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
};

describe("createMethodSchema", () => {
  it("normalises each type to Auth0's wire format", () => {
    expect(
      schema.parse({
        type: "phone",
        phone_number: " (415) 555-2671 ",
        preferred_authentication_method: "SMS",
        name: " Work ",
      }),
    ).toEqual({
      type: "phone",
      phone_number: "+14155552671",
      preferred_authentication_method: "sms",
      name: "Work",
    });
    expect(schema.parse({ type: "email", email: " a@example.com " })).toEqual({
      type: "email",
      email: "a@example.com",
    });
    expect(schema.parse({ type: "totp", totp_secret: "jbsw y3dp==" })).toEqual({
      type: "totp",
      totp_secret: "JBSWY3DP",
    });
  });

  it("names fields of other types and unknown fields", () => {
    expect(messages({ type: "totp", totp_secret: "JBSWY3DP", email: "a@b.c", colour: "red" })).toEqual([
      'email does not belong to a totp method; unknown field "colour"',
    ]);
  });

  it("says which required field is missing and which value is not a string", () => {
    expect(messages({ type: "email" })).toEqual(["email is required for an email method"]);
    expect(messages({ type: "phone", phone_number: 4155552671 })).toEqual(["phone_number must be a string"]);
  });

  it("rejects an empty name and a missing or unknown type", () => {
    expect(messages({ type: "totp", totp_secret: "JBSWY3DP", name: "  " })).toEqual(["name is empty"]);
    expect(messages({ totp_secret: "JBSWY3DP" })).toEqual(["type is missing (phone, email or totp)"]);
    expect(messages({ type: "webauthn" })).toEqual(["type 'webauthn' is not phone, email or totp"]);
    expect(messages("totp")).toEqual(["a method must be an object"]);
  });
});
