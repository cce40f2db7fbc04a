import { describe, expect, it } from "vitest";
import { fastMethods, sameMethods } from "../../../lib/ingest/fastMethods.js";
import type { UserDraft } from "../../../lib/ingest/types.js";

const draft = (...inputs: Record<string, unknown>[]): UserDraft => ({
  userId: "auth0|1",
  line: 2,
  endLine: 2,
  endByte: 100,
  methods: inputs.map((input, at) => ({ at, input })),
  errors: [],
  parts: inputs.length,
  clear: false,
});

describe("fastMethods", () => {
  it("normalises without checks: E.164 after removing separators, secrets, trimmed strings, in the schema's field order", () => {
    expect(
      fastMethods(
        draft(
          {
            type: "phone",
            name: " Work ",
            phone_number: " +1 (415) 555-2671",
            preferred_authentication_method: "SMS",
          },
          { type: "totp", totp_secret: "jbsw y3dp==" },
          { type: "email", email: " a@example.com " },
        ),
      ),
    ).toStrictEqual([
      { type: "phone", phone_number: "+14155552671", preferred_authentication_method: "sms", name: "Work" },
      { type: "totp", totp_secret: "JBSWY3DP" },
      { type: "email", email: "a@example.com" },
    ]);
  });

  it("gives up on a national number, where only the phone-number library knows the answer", () => {
    expect(fastMethods(draft({ type: "phone", phone_number: "07911 123456" }))).toBeUndefined();
  });

  it("takes a number the library would rewrite as it is: pass 1's comparison catches that", () => {
    const fast = fastMethods(draft({ type: "phone", phone_number: "+44 (0) 20 7946 0000" }));
    expect(fast).toEqual([{ type: "phone", phone_number: "+4402079460000" }]);
    expect(sameMethods(fast ?? [], [{ type: "phone", phone_number: "+442079460000" }])).toBe(false);
  });
});

describe("sameMethods", () => {
  it("compares field values and their order", () => {
    expect(sameMethods([{ type: "totp", totp_secret: "A" }], [{ type: "totp", totp_secret: "A" }])).toBe(
      true,
    );
    expect(
      sameMethods(
        [{ type: "totp", totp_secret: "A", name: "x" }],
        [{ type: "totp", name: "x", totp_secret: "A" } as never],
      ),
    ).toBe(false);
    expect(sameMethods([{ type: "totp", totp_secret: "A" }], [])).toBe(false);
  });
});
