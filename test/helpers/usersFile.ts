import type { AuthenticationMethod } from "../../lib/factors/types.js";

/** A generated input file and what a correct run of it must end with. */
export interface GeneratedUsers {
  /** The CSV text, header first. */
  csv: string;
  /** Users the ingest will count (valid + rejected users; a user in two places once). */
  users: number;
  /** Valid users the tenant knows, with the normalised methods they must end with. */
  applied: Map<string, AuthenticationMethod[]>;
  /** Valid users the tenant does not know (404): they must end in the DLQ. */
  refused: Map<string, number>;
  /** Lines of the places that must be rejected, with a word their reason contains (a split user has two). */
  rejected: Map<number, string>;
  /** Users that must be rejected (a split user counts once). */
  rejectedUsers: number;
}

/** Options of {@link generateUsersCsv}. */
export interface GenerateOptions {
  users: number;
  /** Every n-th user is invalid (each of several kinds in turn). @default 10 */
  invalidEvery?: number;
  /** Every n-th user does not exist in the tenant. @default 25 */
  missingEvery?: number;
  /** @default 1 */
  seed?: number;
}

const HEADER = "user_id,type,phone_number,preferred_authentication_method,email,totp_secret,name";
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const AREA_CODES = ["202", "312", "415", "617", "713", "206"];

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Row = [
  userId: string,
  type: string,
  phone: string,
  preferred: string,
  email: string,
  totp: string,
  name: string,
];

/**
 * Generates a CSV of desired factors with valid users of several shapes (spaces and parentheses in phone
 * numbers, lower-case TOTP secrets with spaces, to exercise normalisation), invalid users of several kinds, and
 * users the bundled simulator refuses (ids with `|missing-`, see `isKnownSampleUser`). Nothing real: +1 NPA 555-01xx numbers, example.com
 * emails, random base32.
 *
 * @example
 * const file = generateUsersCsv({ users: 2000 });
 * await writeFile(path, file.csv);
 */
export function generateUsersCsv(options: GenerateOptions): GeneratedUsers {
  const invalidEvery = options.invalidEvery ?? 10;
  const missingEvery = options.missingEvery ?? 25;
  const next = random(options.seed ?? 1);
  const secret = (length = 32) => Array.from({ length }, () => BASE32[Math.floor(next() * 32)]).join("");
  const phone = (n: number) => {
    const area = AREA_CODES[n % AREA_CODES.length] ?? "202";
    const line = String(n % 100).padStart(2, "0");
    return { written: `+1 (${area}) 555-01${line}`, e164: `+1${area}55501${line}` };
  };

  const rows: Row[] = [];
  const applied = new Map<string, AuthenticationMethod[]>();
  const refused = new Map<string, number>();
  const rejected = new Map<number, string>();
  const later: { row: Row; first: number }[] = [];
  let line = 1;
  const add = (...userRows: Row[]) => {
    const first = line + 1;
    rows.push(...userRows);
    line += userRows.length;
    return first;
  };

  for (let n = 1; n <= options.users; n++) {
    if (n % invalidEvery === 0) {
      const id = `auth0|invalid-${n}`;
      const kind = (n / invalidEvery) % 7;
      const p = phone(n);
      if (kind === 0) rejected.set(add([id, "phone", "555-0100", "", "", "", ""]), "E.164");
      else if (kind === 1) {
        rejected.set(
          add([id, "email", "", "", `user${n}@example.com`, "", ""], [id, "totp", "", "", "", secret(), ""]),
          "email",
        );
      } else if (kind === 2)
        rejected.set(add([id, "totp", "", "", "", "NOT-BASE32-0189", ""]), "totp_secret");
      else if (kind === 3) rejected.set(add([id, "phone", "", "sms", "", "", ""]), "phone_number");
      else if (kind === 4) rejected.set(add([id, "sms", p.written, "", "", "", ""]), "type");
      else if (kind === 5) {
        rejected.set(add([id, "totp", "", "", "", secret(), "This name is far too long for Auth0"]), "name");
      } else {
        // An empty method set would delete every factor: rejected without --allow-clear.
        rejected.set(add([id, "", "", "", "", "", ""]), "empty");
      }
      continue;
    }
    const missing = n % missingEvery === 0;
    const id = missing ? `auth0|missing-${n}` : `auth0|user-${n}`;
    const p = phone(n);
    const totp = secret();
    let methods: AuthenticationMethod[];
    let first: number;
    switch (n % 5) {
      case 0:
        first = add([id, "totp", "", "", "", totp, ""]);
        methods = [{ type: "totp", totp_secret: totp }];
        break;
      case 1:
        first = add([id, "phone", p.written, "sms", "", "", ""]);
        methods = [{ type: "phone", phone_number: p.e164, preferred_authentication_method: "sms" }];
        break;
      case 2:
        first = add(
          [id, "PHONE", p.written, "Voice", "", "", "Work phone"],
          [id, "totp", "", "", "", totp, ""],
        );
        methods = [
          {
            type: "phone",
            phone_number: p.e164,
            preferred_authentication_method: "voice",
            name: "Work phone",
          },
          { type: "totp", totp_secret: totp },
        ];
        break;
      case 3:
        first = add([id, "email", "", "", `user${n}@example.com`, "", ""]);
        methods = [{ type: "email", email: `user${n}@example.com` }];
        break;
      default: {
        const written = `${totp
          .toLowerCase()
          .match(/.{1,4}/g)
          ?.join(" ")}`;
        first = add(
          [id, "totp", "", "", "", written, "Authenticator"],
          [id, "phone", p.written, "", "", "", ""],
        );
        methods = [
          { type: "totp", totp_secret: totp, name: "Authenticator" },
          { type: "phone", phone_number: p.e164 },
        ];
      }
    }
    // Every 50th valid user appears again at the end of the file: both places are rejected, nothing sent.
    if (n % 50 === 1) later.push({ row: [id, "totp", "", "", "", secret(), ""], first });
    else if (missing) refused.set(id, first);
    else applied.set(id, methods);
  }
  let rejectedUsers = rejected.size;
  for (const { row, first } of later) {
    const again = add(row);
    rejected.set(first, `line ${again}`);
    rejected.set(again, `line ${first}`);
    rejectedUsers++;
  }

  const csv = `${[HEADER, ...rows.map((row) => row.map(csvCell).join(","))].join("\n")}\n`;
  return {
    csv,
    users: applied.size + refused.size + rejectedUsers,
    applied,
    refused,
    rejected,
    rejectedUsers,
  };
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
