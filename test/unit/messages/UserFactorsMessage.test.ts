import { describe, expect, it } from "vitest";
import {
  MalformedMessageError,
  parseUserFactorsMessage,
  toUserFactorsMessage,
} from "../../../lib/messages/UserFactorsMessage.js";

const source = { bucket: "b", key: "incoming/users.csv", etag: "abc" };

describe("UserFactorsMessage", () => {
  it("round-trips a user through its JSON body", () => {
    const user = {
      userId: "auth0|42",
      line: 7,
      methods: [
        { type: "totp" as const, totp_secret: "JBSWY3DPEHPK3PXP" },
        {
          type: "phone" as const,
          phone_number: "+14155550100",
          preferred_authentication_method: "sms" as const,
        },
      ],
    };
    const body = JSON.stringify(toUserFactorsMessage(user, source));
    expect(parseUserFactorsMessage(body)).toEqual({ version: 1, source, ...user });
  });

  it.each([
    ["not JSON", "{", "body is not JSON"],
    ["an array", "[]", "body: invalid_type"],
    [
      "another version",
      JSON.stringify({ version: 2, source, line: 1, userId: "u", methods: [] }),
      "version: invalid_value",
    ],
    [
      "a method of unknown type",
      JSON.stringify({ version: 1, source, line: 1, userId: "u", methods: [{ type: "sms" }] }),
      "methods.0.type: invalid_union",
    ],
  ])("rejects a body that is %s, naming the problem without quoting values", (_, body, reason) => {
    const error = (() => {
      try {
        parseUserFactorsMessage(body);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MalformedMessageError);
    expect((error as MalformedMessageError).reason).toBe(reason);
  });
});
