import { describe, expect, it } from "vitest";
import { fitLine, formatCount, formatDuration, formatEta, formatRate } from "../../../cli/format.js";

describe("formatting for people", () => {
  it.each([
    [0, "0"],
    [999, "999"],
    [50_000, "50,000"],
    [1_234_567, "1,234,567"],
  ])("writes the count %d with thousands separators: %s", (value, text) => {
    expect(formatCount(value)).toBe(text);
  });

  it.each([
    [7.46, "7.5"],
    [0.04, "0.0"],
    [16.2, "16"],
    [12_873.2, "12,873"],
  ])("writes the rate %d with the precision it deserves: %s", (value, text) => {
    expect(formatRate(value)).toBe(text);
  });

  it.each([
    [925, "1 s"],
    [31_800, "32 s"],
    [61_000, "1 min 00 s"],
    [183_000, "3 min 05 s"],
    [1_830_000, "31 min"],
    [7_620_000, "2 h 07 min"],
  ])("writes the time left %d ms no more precisely than it can be: %s", (ms, text) => {
    expect(formatEta(ms)).toBe(text);
  });

  it.each([
    [850, "850 ms"],
    [14_300, "14.3 s"],
    [185_000, "3 min 05 s"],
  ])("writes the measured duration %d ms: %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("drops the least important fields until the line fits, keeping the order of the rest", () => {
    const fields = [
      { text: "1,000/50,000 users", drop: 0 },
      { text: "applied 990", drop: 1 },
      { text: "rejected 10", drop: 4 },
      { text: "16 users/s", drop: 2 },
      { text: "ETA 52 min", drop: 1 },
    ];
    expect(fitLine(fields, 80)).toBe(
      "1,000/50,000 users | applied 990 | rejected 10 | 16 users/s | ETA 52 min",
    );
    expect(fitLine(fields, 60)).toBe("1,000/50,000 users | applied 990 | 16 users/s | ETA 52 min");
    expect(fitLine(fields, 45)).toBe("1,000/50,000 users | applied 990 | ETA 52 min");
    expect(fitLine(fields, 10)).toBe("1,000/50,…");
  });
});
