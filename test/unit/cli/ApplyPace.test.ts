import { describe, expect, it } from "vitest";
import { ApplyPace } from "../../../cli/ApplyPace.js";

describe("ApplyPace", () => {
  it("gives no rate until the window spans 5 s and holds 10 users", () => {
    const pace = new ApplyPace();
    pace.add(0, 0);
    pace.add(4_000, 40);
    expect(pace.rate()).toBeUndefined();
    pace.add(6_000, 8);
    expect(pace.rate()).toBeUndefined();
    const other = new ApplyPace();
    other.add(0, 0);
    other.add(6_000, 60);
    expect(other.rate()).toBe(10);
    expect(other.etaMs(100)).toBe(10_000);
  });

  it("measures over the recent window only, so a slow start does not lower the rate for ever", () => {
    const pace = new ApplyPace({ windowMs: 20_000 });
    pace.add(0, 0);
    pace.add(30_000, 30); // 1/s for 30 s
    for (let t = 31_000; t <= 60_000; t += 1_000) pace.add(t, 30 + ((t - 30_000) / 1_000) * 16); // then 16/s
    expect(pace.rate()).toBe(16);
    expect(pace.etaMs(160)).toBe(10_000);
  });
});
