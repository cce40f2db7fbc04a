import { describe, expect, it } from "vitest";
import { readIngestConfig } from "../../../functions/environment.js";
import { ConfigurationError } from "../../../lib/config/errors.js";

const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/work";

describe("readIngestConfig", () => {
  it("applies the defaults when only QUEUE_URL is set", () => {
    expect(readIngestConfig({ QUEUE_URL })).toEqual({
      queueUrl: QUEUE_URL,
      reportsPrefix: "reports/",
      sendConcurrency: 10,
      logLevel: "info",
      timeoutSeconds: 900,
      functionName: "factor-sync-ingest",
    });
  });

  it("reads every variable, an empty one counting as unset", () => {
    expect(
      readIngestConfig({
        QUEUE_URL,
        REPORTS_PREFIX: "out/",
        DEFAULT_COUNTRY: "GB",
        SEND_CONCURRENCY: "4",
        LOG_LEVEL: "debug",
        JOBS_TABLE: "factor-sync-jobs",
        CONTROL_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/control",
        INGEST_TIMEOUT_SECONDS: "600",
        RPS_CEILING: "16",
        SYNC_KEY_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:SyncKey-AbCdEf",
        AUTH0_DOMAIN: "acme.eu.auth0.com",
        AWS_LAMBDA_FUNCTION_NAME: "FactorSync-IngestFunction-abc",
        PHONE_CHECK: "e164",
        MAX_REJECTED: "2.5%",
      }),
    ).toEqual({
      queueUrl: QUEUE_URL,
      reportsPrefix: "out/",
      defaultCountry: "GB",
      sendConcurrency: 4,
      logLevel: "debug",
      jobsTable: "factor-sync-jobs",
      controlQueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/control",
      timeoutSeconds: 600,
      rpsCeiling: 16,
      syncKeySecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:SyncKey-AbCdEf",
      auth0Domain: "acme.eu.auth0.com",
      functionName: "FactorSync-IngestFunction-abc",
      phoneCheck: "e164",
      maxRejected: { kind: "percent", tenThousandths: 25_000, text: "2.5%" },
    });
    expect(readIngestConfig({ QUEUE_URL, MAX_REJECTED: "10" }).maxRejected).toEqual({
      kind: "count",
      count: 10,
      text: "10",
    });
    expect(readIngestConfig({ QUEUE_URL, DEFAULT_COUNTRY: "" })).not.toHaveProperty("defaultCountry");
    expect(readIngestConfig({ QUEUE_URL, PHONE_CHECK: "", MAX_REJECTED: "" })).toEqual({
      queueUrl: QUEUE_URL,
      reportsPrefix: "reports/",
      sendConcurrency: 10,
      logLevel: "info",
      timeoutSeconds: 900,
      functionName: "factor-sync-ingest",
    });
  });

  it.each([
    [{}, "QUEUE_URL", "environment variable QUEUE_URL: is required"],
    [{ QUEUE_URL: "work" }, "QUEUE_URL", "environment variable QUEUE_URL: must be the work queue's URL"],
    [
      { QUEUE_URL, DEFAULT_COUNTRY: "XX" },
      "DEFAULT_COUNTRY",
      "environment variable DEFAULT_COUNTRY: must be an ISO 3166-1 alpha-2 country code, e.g. GB",
    ],
    [
      { QUEUE_URL, SEND_CONCURRENCY: "many" },
      "SEND_CONCURRENCY",
      "environment variable SEND_CONCURRENCY: must be a number",
    ],
    [
      { QUEUE_URL, SEND_CONCURRENCY: "0" },
      "SEND_CONCURRENCY",
      "environment variable SEND_CONCURRENCY: must be 1 to 100",
    ],
    [
      { QUEUE_URL, PHONE_CHECK: "loose" },
      "PHONE_CHECK",
      "environment variable PHONE_CHECK: must be strict or e164",
    ],
    [
      { QUEUE_URL, MAX_REJECTED: "lots" },
      "MAX_REJECTED",
      "environment variable MAX_REJECTED: must be a count such as 10 or a percentage such as 2.5%",
    ],
    [
      { QUEUE_URL, LOG_LEVEL: "loud" },
      "LOG_LEVEL",
      "environment variable LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent",
    ],
  ])("refuses %j naming %s", (environment, variable, message) => {
    const error = (() => {
      try {
        readIngestConfig(environment);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ variable, message });
  });
});
