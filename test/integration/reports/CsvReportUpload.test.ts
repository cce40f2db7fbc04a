import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CsvReportUpload } from "../../../lib/reports/CsvReportUpload.js";
import { type Emulator, startEmulator } from "../../helpers/emulator.js";
import { getText, listKeys } from "../../helpers/s3.js";

describe("CsvReportUpload against fauxqs S3", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());

  const open = (key: string) =>
    new CsvReportUpload({
      s3: emulator.s3,
      bucket: emulator.bucket,
      key,
      columns: ["line", "user_id", "errors"],
    });

  it("writes a UTF-8 byte-order mark, the header and the rows, encoded as CSV", async () => {
    const report = open("reports/small.csv.rejects.csv");
    await report.writeRow([2, "auth0|1", "name: too long"]);
    await report.writeRow([5, "=cmd", 'a "quoted", text']);
    await report.close();
    expect(report.rows).toBe(2);
    expect(await getText(emulator.s3, emulator.bucket, "reports/small.csv.rejects.csv")).toBe(
      '\uFEFFline,user_id,errors\r\n2,auth0|1,name: too long\r\n5,\'=cmd,"a ""quoted"", text"\r\n',
    );
  });

  it("writes only the header when there are no rows", async () => {
    const report = open("reports/empty.csv.rejects.csv");
    await report.close();
    expect(await getText(emulator.s3, emulator.bucket, "reports/empty.csv.rejects.csv")).toBe(
      "\uFEFFline,user_id,errors\r\n",
    );
  });

  it("streams a report bigger than one part as a multipart upload, every row intact", async () => {
    const report = open("reports/big.csv.rejects.csv");
    const rows = 120_000; // ~7 MiB: two 5 MiB parts
    const reason = "phone_number '0123 456 789' is not E.164 (add the country code)";
    for (let i = 1; i <= rows; i++) await report.writeRow([i + 1, `auth0|${i}`, reason]);
    await report.close();
    const text = await getText(emulator.s3, emulator.bucket, "reports/big.csv.rejects.csv");
    const lines = text.split("\r\n");
    expect(text.length).toBeGreaterThan(5 * 1024 * 1024);
    expect(lines).toHaveLength(rows + 2);
    expect(lines[0]).toBe("\uFEFFline,user_id,errors");
    expect(lines[rows]).toBe(`${rows + 1},auth0|${rows},${reason}`);
    const wrong = lines.slice(1, -1).filter((line, i) => line !== `${i + 2},auth0|${i + 1},${reason}`);
    expect(wrong).toEqual([]);
  });

  it("leaves nothing in the bucket when aborted", async () => {
    const report = open("reports/aborted.csv.rejects.csv");
    await report.writeRow([2, "auth0|1", "x"]);
    await report.abort();
    expect(await listKeys(emulator.s3, emulator.bucket, "reports/aborted")).toEqual([]);
    await expect(report.writeRow([3, "auth0|2", "y"])).rejects.toThrow("report aborted");
  });
});
