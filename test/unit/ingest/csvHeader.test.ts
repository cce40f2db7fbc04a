import { describe, expect, it } from "vitest";
import { parseCsvHeader } from "../../../lib/ingest/csvHeader.js";
import {
  DelimiterError,
  DuplicateColumnError,
  MissingColumnError,
  MissingHeaderError,
  UnknownColumnError,
  Utf16Error,
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

  it("names a header cell that runs over several lines by its position, never quoting it", () => {
    const error = captureError(() =>
      parseCsvHeader(["user_id", "type", "totp_secret", "name\nauth0|1,totp,JBSWY3DPEHPK3PXP,Work"], 1),
    );
    expect(error).toBeInstanceOf(UnknownColumnError);
    expect(error.message).toBe(
      "line 1: column 4 of the header runs over several lines: a quote in the header is not closed where it should be (fix the header's quoting)",
    );
    expect((error as UnknownColumnError).column).toBeUndefined();
    expect(JSON.stringify([error.message, error])).not.toContain("JBSWY3DPEHPK3PXP");
  });

  it("names a header cell longer than 40 characters by its position, never quoting it", () => {
    const error = captureError(() =>
      parseCsvHeader(["user_id", "type", `x${"JBSWY3DPEHPK3PXP".repeat(3)}`], 1),
    );
    expect(error).toBeInstanceOf(UnknownColumnError);
    expect(error.message).toBe(
      "line 1: column 3 of the header is not a known column name (known columns: user_id, type, phone_number, preferred_authentication_method, email, totp_secret, name)",
    );
    expect((error as UnknownColumnError).column).toBeUndefined();
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
    [
      ["user_id;type;totp_secret"],
      DelimiterError,
      "line 1: the header is separated by semicolons (;), not commas: factor-sync reads comma-separated CSV; save the file again with ',' as the separator",
    ],
    [["user_id\ttype\ttotp_secret"], DelimiterError, "line 1: the header is separated by tabs, not commas"],
    [
      ["u\0s\0e\0r\0_\0i\0d\0", "\0t\0y\0p\0e\0"],
      Utf16Error,
      "the file is UTF-16LE (without a byte-order mark), not UTF-8: convert it, e.g. iconv -f UTF-16LE -t UTF-8",
    ],
  ] as const)("refuses %j", (cells, type, message) => {
    expect(() => parseCsvHeader(cells, 1)).toThrow(type);
    expect(() => parseCsvHeader(cells, 1)).toThrow(message);
  });
});

function captureError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}
