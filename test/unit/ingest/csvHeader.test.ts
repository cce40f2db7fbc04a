import { describe, expect, it } from "vitest";
import { parseCsvHeader } from "../../../lib/ingest/csvHeader.js";
import {
  DuplicateColumnError,
  MissingColumnError,
  MissingHeaderError,
  UnknownColumnError,
} from "../../../lib/ingest/errors.js";

describe("parseCsvHeader", () => {
  it("maps trimmed, case-insensitive names in any order to their positions, -1 when absent", () => {
    expect(parseCsvHeader([" TYPE", "User_Id ", "totp_secret"], 3)).toEqual({
      count: 3,
      line: 3,
      index: {
        user_id: 1,
        type: 0,
        phone_number: -1,
        preferred_authentication_method: -1,
        email: -1,
        totp_secret: 2,
        name: -1,
      },
      methodColumns: [["totp_secret", 2]],
    });
  });

  it("names an unknown column and lists the known ones", () => {
    expect(() => parseCsvHeader(["user_id", "type", "phone"], 1)).toThrow(
      new UnknownColumnError("phone", 3, 1, [
        "user_id",
        "type",
        "phone_number",
        "preferred_authentication_method",
        "email",
        "totp_secret",
        "name",
      ]),
    );
  });

  it("says which column has no name", () => {
    expect(() => parseCsvHeader(["user_id", "type", ""], 1)).toThrow(
      "line 1: column 3 of the header has no name (remove the extra delimiter)",
    );
  });

  it.each([
    [
      ["type", "totp_secret"],
      MissingColumnError,
      "line 1: the header has no 'user_id' column, which is required",
    ],
    [["user_id", "email"], MissingColumnError, "line 1: the header has no 'type' column, which is required"],
    [["user_id", "type", "USER_ID"], DuplicateColumnError, "line 1: the header names column 'user_id' twice"],
    [
      ["auth0|1", "totp", "JBSWY3DPEHPK3PXP"],
      MissingHeaderError,
      "line 1: the first row is not a header; it must name the columns, e.g. user_id,type,phone_number",
    ],
  ] as const)("refuses %j", (cells, type, message) => {
    expect(() => parseCsvHeader(cells, 1)).toThrow(type);
    expect(() => parseCsvHeader(cells, 1)).toThrow(message);
  });
});
