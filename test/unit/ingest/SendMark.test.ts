import { describe, expect, it } from "vitest";
import { parseSendMark, SendMark } from "../../../lib/ingest/SendMark.js";

describe("SendMark", () => {
  it("moves to the last user of the prefix SQS took entirely, whatever order the sends settle in", () => {
    const mark = new SendMark(3);
    const settle = [2, 5, 9, 12].map((line) => mark.track(line));
    expect(mark.value).toBeUndefined();
    settle[1]?.(true);
    expect(mark.value).toBeUndefined();
    settle[0]?.(true);
    expect(mark.value).toEqual({ seq: 3, line: 5, sent: 2, unchanged: 0 });
    settle[3]?.(true);
    expect(mark.value).toEqual({ seq: 3, line: 5, sent: 2, unchanged: 0 });
    settle[2]?.(true);
    expect(mark.value).toEqual({ seq: 3, line: 12, sent: 4, unchanged: 0 });
  });

  it("stops at a user SQS refused, for the rest of the invocation", () => {
    const mark = new SendMark(1);
    const settle = [2, 3, 4].map((line) => mark.track(line));
    settle[0]?.(true);
    settle[1]?.(false);
    settle[2]?.(true);
    mark.track(5)(true);
    expect(mark.value).toEqual({ seq: 1, line: 2, sent: 1, unchanged: 0 });
  });

  it("goes on from the mark of an invocation that died holding the same checkpoint", () => {
    const mark = new SendMark(4, { seq: 4, line: 100, sent: 40, unchanged: 0 });
    expect(mark.value).toEqual({ seq: 4, line: 100, sent: 40, unchanged: 0 });
    mark.track(103)(true);
    expect(mark.value).toEqual({ seq: 4, line: 103, sent: 41, unchanged: 0 });
  });

  it("counts users found unchanged (not sent) in the prefix too", () => {
    const mark = new SendMark(2);
    const settle = mark.track(2);
    mark.unchanged(4);
    expect(mark.value).toBeUndefined();
    settle(true);
    expect(mark.value).toEqual({ seq: 2, line: 4, sent: 1, unchanged: 1 });
  });

  it("keeps counting across thousands of users settled out of order", () => {
    const mark = new SendMark(2);
    const settle = Array.from({ length: 5_000 }, (_, index) => mark.track(index + 2));
    for (let index = settle.length - 1; index >= 0; index--) settle[index]?.(true);
    expect(mark.value).toEqual({ seq: 2, line: 5_001, sent: 5_000, unchanged: 0 });
  });

  it.each([
    [
      { seq: 1, line: 7, sent: 3, unchanged: 0 },
      { seq: 1, line: 7, sent: 3, unchanged: 0 },
    ],
    [{ seq: 1, line: 0, sent: 3, unchanged: 0 }, undefined],
    [{ seq: 1, line: 7 }, undefined],
    ["mark", undefined],
  ])("reads %j back as %j", (value, expected) => {
    expect(parseSendMark(value)).toEqual(expected);
  });
});
