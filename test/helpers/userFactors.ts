import type { UserFactors } from "../../lib/factors/types.js";

/**
 * A valid user numbered `n`, with a TOTP and a phone factor (values made up, but well-formed), on line `n + 1`
 * as if the file had a header line.
 */
export function makeUserFactors(n: number, overrides: Partial<UserFactors> = {}): UserFactors {
  return {
    userId: `auth0|user${n}`,
    line: n + 1,
    methods: [
      { type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" },
      { type: "phone", phone_number: `+1415555${String(n % 10_000).padStart(4, "0")}` },
    ],
    ...overrides,
  };
}

/** `count` users numbered from 1. */
export function makeUsers(count: number): UserFactors[] {
  return Array.from({ length: count }, (_, i) => makeUserFactors(i + 1));
}
