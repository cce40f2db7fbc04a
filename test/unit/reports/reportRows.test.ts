import { describe, expect, it } from "vitest";
import { rejectsRow, unsentRow } from "../../../lib/reports/reportRows.js";

describe("report rows", () => {
  it("joins a rejected user's errors with '; '", () => {
    expect(
      rejectsRow({ line: 4, userId: "auth0|1", errors: ["name: too long", "type: unknown 'sms'"] }),
    ).toEqual([4, "auth0|1", "name: too long; type: unknown 'sms'"]);
  });

  it("writes an unsent user's reason as it is", () => {
    expect(unsentRow({ line: 9, userId: "auth0|2", reason: "InternalError: try again" })).toEqual([
      9,
      "auth0|2",
      "InternalError: try again",
    ]);
  });
});
