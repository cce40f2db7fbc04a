import type { RejectedUser } from "../lib/factors/types.js";

/**
 * Counts rejection reasons by kind, for the last lines of `validate`: a reason with its quoted values, line
 * numbers and positions taken out (`phone_number '…' is not E.164 ...`), so that 30,000 rejections read as a
 * handful of kinds. A user with two reasons counts once in each.
 *
 * @example
 * const counts = new ReasonCounts();
 * counts.add({ line: 3, userId: "a", errors: ["type 'sms' is not phone, email or totp"] });
 * counts.sorted(); // [["type '…' is not phone, email or totp", 1]]
 */
export class ReasonCounts {
  readonly #counts = new Map<string, number>();

  public add(user: RejectedUser): void {
    const kinds = new Set(user.errors.map(reasonKind));
    for (const kind of kinds) this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
  }

  /** Kinds with their counts, most frequent first (then alphabetically). */
  public sorted(): [string, number][] {
    return [...this.#counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }
}

/** A reason without what is particular to one user. */
export function reasonKind(reason: string): string {
  return reason
    .replace(/^(line \d+|authentication_methods\[\d+\]): /, "")
    .replace(/'(?:[^']|'')*'/g, "'…'")
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\bline \d+/g, "line N")
    .replace(/\b\d+(?= (characters|digits|cells))/g, "N")
    .replace(/\[\d+\]/g, "[N]");
}
