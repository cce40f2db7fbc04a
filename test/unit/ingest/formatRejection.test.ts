import { describe, expect, it } from "vitest";
import { formatRejection } from "../../../lib/ingest/formatRejection.js";

describe("formatRejection", () => {
  it("gives one line per reason, with the line and the user", () => {
    expect(
      formatRejection({
        line: 14,
        userId: "auth0|42",
        errors: [
          "phone_number '555-1234' is not E.164 (add the country code, or set --default-country)",
          "x",
        ],
      }),
    ).toEqual([
      "line 14: user auth0|42: phone_number '555-1234' is not E.164 (add the country code, or set --default-country)",
      "line 14: user auth0|42: x",
    ]);
  });

  it("does not repeat the user's own line when a reason of a multi-row user names it", () => {
    expect(
      formatRejection({ line: 3, userId: "x", errors: ["line 3: name is empty", "line 4: name is empty"] }),
    ).toEqual(["line 3: user x: name is empty", "line 3: user x: line 4: name is empty"]);
  });

  it("says when the user id could not be read", () => {
    expect(formatRejection({ line: 3, userId: "", errors: ["the line is not valid JSON"] })).toEqual([
      "line 3: user (unknown): the line is not valid JSON",
    ]);
  });
});
