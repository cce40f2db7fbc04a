import { describe, expect, it } from "vitest";
import { SeenUsers } from "../../../lib/ingest/SeenUsers.js";

/** Adds `userId` when new; returns the value it was first recorded with otherwise. */
function addOrGet(seen: SeenUsers, userId: string, value: number): number | undefined {
  const slot = seen.find(userId);
  if (slot !== -1) return seen.valueAt(slot);
  seen.add(userId, value, 0);
  return undefined;
}

describe("SeenUsers", () => {
  it("finds nothing the first time and the first value and state after that", () => {
    const seen = new SeenUsers();
    expect(addOrGet(seen, "auth0|1", 2)).toBeUndefined();
    expect(addOrGet(seen, "auth0|2", 3)).toBeUndefined();
    expect(addOrGet(seen, "auth0|1", 9)).toBe(2);
    expect(addOrGet(seen, "auth0|1", 12)).toBe(2);
    expect(seen.size).toBe(2);
  });

  it("keeps a state beside the value, and replaces both on request", () => {
    const seen = new SeenUsers();
    seen.add("auth0|1", 2, 1);
    seen.add("auth0|2", 5, 3);
    const slot = seen.find("auth0|1");
    expect([seen.valueAt(slot), seen.stateAt(slot)]).toEqual([2, 1]);
    seen.setAt(slot, 0, 4);
    expect([seen.valueAt(seen.find("auth0|1")), seen.stateAt(seen.find("auth0|1"))]).toEqual([0, 4]);
    expect([seen.valueAt(seen.find("auth0|2")), seen.stateAt(seen.find("auth0|2"))]).toEqual([5, 3]);
  });

  it("refuses to add an id twice", () => {
    const seen = new SeenUsers();
    seen.add("auth0|1", 2, 0);
    expect(() => seen.add("auth0|1", 3, 0)).toThrow("already recorded");
  });

  it("tells apart ids that differ in one character, and keeps every entry and state as it grows", () => {
    const seen = new SeenUsers({ initialCapacity: 16 });
    const count = 50_000;
    for (let i = 0; i < count; i++) expect(addOrGet(seen, `auth0|user-${i}`, i + 2)).toBeUndefined();
    for (let i = 0; i < count; i += 997) expect(addOrGet(seen, `auth0|user-${i}`, 0)).toBe(i + 2);
    expect(addOrGet(seen, "auth0|user-", 1)).toBeUndefined();
    expect(seen.size).toBe(count + 1);
    const states = new SeenUsers({ initialCapacity: 16 });
    for (let i = 0; i < 1000; i++) states.add(`u${i}`, i, i % 7);
    for (let i = 0; i < 1000; i++) expect(states.stateAt(states.find(`u${i}`))).toBe(i % 7);
  });

  it("distinguishes ids by case and by non-ASCII characters", () => {
    const seen = new SeenUsers();
    for (const id of ["auth0|abc", "auth0|ABC", "auth0|abç", "auth0|ab\u0063\u0327"]) {
      expect(addOrGet(seen, id, 1)).toBeUndefined();
    }
  });
});
