import { describe, expect, it } from "vitest";
import { SeenUsers } from "../../../lib/ingest/SeenUsers.js";

describe("SeenUsers", () => {
  it("returns nothing the first time and the first line after that", () => {
    const seen = new SeenUsers();
    expect(seen.addOrGetLine("auth0|1", 2)).toBeUndefined();
    expect(seen.addOrGetLine("auth0|2", 3)).toBeUndefined();
    expect(seen.addOrGetLine("auth0|1", 9)).toBe(2);
    expect(seen.addOrGetLine("auth0|1", 12)).toBe(2);
    expect(seen.size).toBe(2);
  });

  it("tells apart ids that differ in one character, and keeps every entry as it grows", () => {
    const seen = new SeenUsers({ initialCapacity: 16 });
    const count = 50_000;
    for (let i = 0; i < count; i++) expect(seen.addOrGetLine(`auth0|user-${i}`, i + 2)).toBeUndefined();
    for (let i = 0; i < count; i += 997) expect(seen.addOrGetLine(`auth0|user-${i}`, 0)).toBe(i + 2);
    expect(seen.addOrGetLine("auth0|user-", 1)).toBeUndefined();
    expect(seen.size).toBe(count + 1);
  });

  it("distinguishes ids by case and by non-ASCII characters", () => {
    const seen = new SeenUsers();
    for (const id of ["auth0|abc", "auth0|ABC", "auth0|abç", "auth0|ab\u0063\u0327"]) {
      expect(seen.addOrGetLine(id, 1)).toBeUndefined();
    }
  });
});
