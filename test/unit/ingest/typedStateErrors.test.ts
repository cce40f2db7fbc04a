import { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { MissingObjectBodyError, ReaderStateError } from "../../../lib/ingest/errors.js";
import { loadPlaces } from "../../../lib/ingest/placesObject.js";
import { readUserFactors } from "../../../lib/ingest/readUserFactors.js";
import { MissingReportPartError } from "../../../lib/reports/errors.js";
import { PartedCsvReport } from "../../../lib/reports/PartedCsvReport.js";
import { CSV } from "../../helpers/ingestFiles.js";

const FILE = "user_id,type,totp_secret\nauth0|1,totp,JBSWY3DPEHPK3PXP\nauth0|2,totp,JBSWY3DPEHPK3PXP\n";

/** An S3 whose GetObject answers without a body (an S3 or client fault). */
const bodiless = { send: async () => ({}) } as unknown as S3Client;

describe("typed errors of the ingest's state and reader", () => {
  it("loadPlaces throws MissingObjectBodyError, not a TypeError, when S3 answers without a body", async () => {
    const error = await loadPlaces({
      s3: bodiless,
      bucket: "in",
      key: "reports/.ingest/j/places-1.bin",
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingObjectBodyError);
    expect(error).toMatchObject({
      bucket: "in",
      key: "reports/.ingest/j/places-1.bin",
      message: "GetObject returned no readable body for s3://in/reports/.ingest/j/places-1.bin",
    });
  });

  it("PartedCsvReport.finish throws MissingReportPartError when a part comes back without a body", async () => {
    const report = new PartedCsvReport({
      s3: bodiless,
      bucket: "in",
      key: "reports/r.csv",
      partPrefix: "reports/.ingest/j/rejects",
      columns: ["line"],
      partsBefore: 1,
    });
    const error = await report.finish().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingReportPartError);
    expect(error).toMatchObject({ bucket: "in", key: "reports/.ingest/j/rejects-0001.csv" });
  });

  it("a reader iterated twice, or read in pass 2 while pass 1 was cut, throws ReaderStateError", async () => {
    const twice = readUserFactors(() => Readable.from([Buffer.from(FILE)]), CSV);
    for await (const _ of twice) {
      // read it all
    }
    expect(() => twice[Symbol.asyncIterator]()).toThrow(ReaderStateError);
    const cut = readUserFactors(
      () => Readable.from([Buffer.from(FILE)]),
      CSV,
      {},
      { shouldStop: () => true },
    );
    expect((await cut.check()).cut).toBeDefined();
    const error = await cut[Symbol.asyncIterator]()
      .next()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReaderStateError);
  });
});
