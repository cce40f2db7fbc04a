import { describe, expect, it } from "vitest";
import type { UserDraft } from "../../../lib/ingest/types.js";
import { createUserValidator } from "../../../lib/ingest/validateUser.js";

function draft(overrides: Partial<UserDraft>): UserDraft {
  return {
    userId: "auth0|1",
    line: 2,
    endLine: 2,
    endByte: 100,
    methods: [],
    errors: [],
    parts: 1,
    clear: false,
    ...overrides,
  };
}

describe("createUserValidator", () => {
  const validate = createUserValidator({ format: "jsonl" });

  it("accepts a valid set, in order, normalised", () => {
    expect(
      validate(
        draft({
          parts: 2,
          methods: [
            { at: 0, input: { type: "totp", totp_secret: "jbswy3dp" } },
            { at: 1, input: { type: "phone", phone_number: "+14155552671" } },
          ],
        }),
      ),
    ).toEqual({
      kind: "valid",
      user: {
        userId: "auth0|1",
        line: 2,
        methods: [
          { type: "totp", totp_secret: "JBSWY3DP" },
          { type: "phone", phone_number: "+14155552671" },
        ],
      },
    });
  });

  it("puts reading errors first, then method errors, then set rules", () => {
    expect(
      validate(
        draft({
          parts: 2,
          errors: [{ at: -1, message: 'unknown field "x"' }],
          methods: [
            { at: 0, input: { type: "email", email: "a@b.c" } },
            { at: 1, input: { type: "totp", totp_secret: "1" } },
          ],
        }),
      ),
    ).toEqual({
      kind: "rejected",
      user: {
        line: 2,
        userId: "auth0|1",
        errors: [
          'unknown field "x"',
          "authentication_methods[1]: totp_secret is not base32 (only letters A-Z and digits 2-7, after removing spaces and '=' padding)",
          "email cannot be combined with other methods (Auth0 accepts email only as a user's only factor)",
        ],
      },
    });
  });

  it("uses phone numbers already normalised elsewhere when given", () => {
    const phones = new Map([["555-0100", { ok: true as const, e164: "+15550100000" }]]);
    expect(
      validate(draft({ methods: [{ at: 0, input: { type: "phone", phone_number: "555-0100" } }] }), phones),
    ).toEqual({
      kind: "valid",
      user: { userId: "auth0|1", line: 2, methods: [{ type: "phone", phone_number: "+15550100000" }] },
    });
  });

  it("rejects an empty set unless clearing is allowed, and a clearing row next to methods always", () => {
    const clearing = createUserValidator({ format: "csv", allowClear: true });
    expect(clearing(draft({ clear: true }))).toEqual({
      kind: "valid",
      user: { userId: "auth0|1", line: 2, methods: [] },
    });
    expect(
      clearing(
        draft({
          clear: true,
          parts: 2,
          methods: [{ at: 3, input: { type: "totp", totp_secret: "JBSWY3DP" } }],
        }),
      ),
    ).toEqual({
      kind: "rejected",
      user: {
        line: 2,
        userId: "auth0|1",
        errors: ["a row with only user_id (an empty method set) cannot be combined with method rows"],
      },
    });
  });
});
