import { describe, expect, it } from "vitest";
import { toFailuresCsvRow } from "../../../lib/dlq/FailuresCsv.js";

describe("toFailuresCsvRow", () => {
  it("writes the columns in header order, leaving unknown values empty", () => {
    expect(
      toFailuresCsvRow({
        messageId: "m-1",
        userId: "auth0|42",
        line: 12,
        sourceKey: "incoming/users.csv",
        reason: {
          status: "404",
          errorCode: "inexistent_user",
          message: "The user does not exist.",
          attempts: 1,
          failedAt: "2026-11-29T18:00:00.000Z",
        },
      }),
    ).toBe(
      "12,auth0|42,404,inexistent_user,The user does not exist.,1,2026-11-29T18:00:00.000Z,incoming/users.csv",
    );
    expect(
      toFailuresCsvRow({
        messageId: "m-2",
        userId: "",
        reason: { status: "unknown", message: "m", attempts: 5, failedAt: "" },
      }),
    ).toBe(",,unknown,,m,5,,");
  });

  it("quotes cells holding commas, quotes or line breaks as RFC 4180 asks", () => {
    expect(
      toFailuresCsvRow({
        messageId: "m-3",
        userId: 'a,"b"',
        reason: { status: "400", message: "line one\nline two", attempts: 2, failedAt: "" },
      }),
    ).toBe(',"a,""b""",400,,"line one\nline two",2,,');
  });

  it("keeps a value that starts like a spreadsheet formula as text, as the other reports do", () => {
    expect(
      toFailuresCsvRow({
        messageId: "m-4",
        userId: '=HYPERLINK("http://x","y")',
        reason: { status: "404", message: "-1", attempts: 1, failedAt: "" },
      }),
    ).toBe(',"\'=HYPERLINK(""http://x"",""y"")",404,,\'-1,1,,');
  });
});
