import { describe, expect, it } from "vitest";
import { csvCell, csvRow } from "../../../lib/reports/csv.js";

describe("csvCell", () => {
  it.each([
    ["plain text as it is", "auth0|42", "auth0|42"],
    ["an empty string as nothing", "", ""],
    ["a cell with a comma in quotes", "a, b", '"a, b"'],
    ["a cell with quotes in quotes, the quotes doubled", 'name "x"', '"name ""x"""'],
    ["a cell with a line feed in quotes", "a\nb", '"a\nb"'],
    ["a cell with a carriage return in quotes", "a\rb", '"a\rb"'],
    ["a formula starting with = as text", '=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ["a cell starting with + as text", "+14155550100", "'+14155550100"],
    ["a cell starting with - as text", "-1", "'-1"],
    ["a cell starting with @ as text", "@SUM(A1)", "'@SUM(A1)"],
    ["a cell starting with a tab as text", "\t=1", "'\t=1"],
    ["a cell starting with a carriage return as text, quoted", "\r=1", '"\'\r=1"'],
    ["a formula character later in the cell as it is", "a=b+c-d@e", "a=b+c-d@e"],
  ])("writes %s", (_, value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it("writes a number as it is, a negative one included", () => {
    expect(csvCell(14)).toBe("14");
    expect(csvCell(-3)).toBe("-3");
  });
});

describe("csvRow", () => {
  it("joins cells with commas and ends the row with CRLF", () => {
    expect(csvRow([3, "auth0|1", "name: too long; phone_number: '+1 (555)' is not E.164"])).toBe(
      "3,auth0|1,name: too long; phone_number: '+1 (555)' is not E.164\r\n",
    );
  });
});
