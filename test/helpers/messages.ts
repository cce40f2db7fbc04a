import type { UserFactors } from "../../lib/factors/types.js";
import { toUserFactorsMessage } from "../../lib/messages/UserFactorsMessage.js";

/** A valid user with a TOTP and a phone factor; `n` makes the id, line and values distinct. */
export function userFactors(n: number): UserFactors {
  return {
    userId: `auth0|user${n}`,
    line: n + 1,
    methods: [
      { type: "totp", totp_secret: `JBSWY3DPEHPK3PX${"ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26]}` },
      {
        type: "phone",
        phone_number: `+1555010${String(n % 100).padStart(2, "0")}`,
        preferred_authentication_method: "sms",
      },
    ],
  };
}

/** The work-queue body of {@link userFactors}(n), read from `incoming/users.csv`. */
export function userFactorsBody(n: number, key = "incoming/users.csv"): string {
  return JSON.stringify(toUserFactorsMessage(userFactors(n), { bucket: "factor-sync", key }));
}
