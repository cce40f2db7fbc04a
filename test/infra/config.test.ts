import { describe, expect, it } from "vitest";
import {
  type ContextSource,
  InvalidStackConfigError,
  PLACEHOLDER_AUTH0_DOMAIN,
  readStackConfig,
  STACK_CONFIG_DEFAULTS,
} from "../../infra/config.js";
import { PIPELINE_DEFAULTS } from "../../lib/config/defaults.js";

/** CDK context as the CLI hands it over: `-c key=value` values are strings, cdk.json ones keep their type. */
function context(values: Record<string, unknown>): ContextSource {
  return { tryGetContext: (key) => values[key], getAllContext: () => ({ ...values }) };
}

function errorOf(values: Record<string, unknown>): InvalidStackConfigError {
  try {
    readStackConfig(context(values));
  } catch (error) {
    if (error instanceof InvalidStackConfigError) return error;
    throw error;
  }
  throw new Error("expected readStackConfig to throw");
}

describe("readStackConfig", () => {
  it("returns the documented defaults, shared with the local runner, when no context is set", () => {
    expect(readStackConfig(context({}))).toEqual({
      auth0Domain: PLACEHOLDER_AUTH0_DOMAIN,
      rpsCeiling: PIPELINE_DEFAULTS.rpsCeiling,
      budgetShare: PIPELINE_DEFAULTS.budgetShare,
      maxConcurrency: PIPELINE_DEFAULTS.maxConcurrency,
      batchSize: PIPELINE_DEFAULTS.batchSize,
      maxReceiveCount: PIPELINE_DEFAULTS.maxReceiveCount,
      applyConcurrency: PIPELINE_DEFAULTS.applyConcurrency,
      sendConcurrency: PIPELINE_DEFAULTS.sendConcurrency,
      inputRetentionDays: 7,
      reportRetentionDays: 30,
      accessLogRetentionDays: 90,
      logRetentionDays: 30,
      logLevel: "info",
      outcomeTtlDays: PIPELINE_DEFAULTS.outcomeTtlDays,
      queueAgeAlarmMinutes: 360,
      auth0UnavailableAlarmMinutes: 5,
    });
    expect(PIPELINE_DEFAULTS.outcomeTtlDays).toBe(30);
    expect(STACK_CONFIG_DEFAULTS.inputRetentionDays).toBe(7);
  });

  it("reads numbers given as strings on the command line and as numbers in cdk.json alike", () => {
    const fromCli = readStackConfig(
      context({
        rpsCeiling: "16",
        budgetShare: "0.5",
        maxConcurrency: "4",
        batchSize: "5",
        logRetentionDays: "90",
      }),
    );
    const fromJson = readStackConfig(
      context({ rpsCeiling: 16, budgetShare: 0.5, maxConcurrency: 4, batchSize: 5, logRetentionDays: 90 }),
    );
    expect(fromCli).toEqual(fromJson);
    expect(fromCli).toMatchObject({ rpsCeiling: 16, budgetShare: 0.5, maxConcurrency: 4, batchSize: 5 });
  });

  it("accepts every optional setting when it is valid", () => {
    const config = readStackConfig(
      context({
        auth0Domain: "acme.eu.auth0.com",
        auth0SecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:factor-sync/auth0-AbCdEf",
        alarmEmail: "ops@example.com",
        defaultCountry: "DE",
        phoneCheck: "e164",
        maxRejected: "5%",
      }),
    );
    expect(readStackConfig(context({ maxRejected: 10 })).maxRejected).toBe("10");
    expect(config).toMatchObject({
      phoneCheck: "e164",
      maxRejected: "5%",
      auth0Domain: "acme.eu.auth0.com",
      auth0SecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:factor-sync/auth0-AbCdEf",
      alarmEmail: "ops@example.com",
      defaultCountry: "DE",
    });
  });

  it("treats an empty string as unset, so -c alarmEmail= turns an option off", () => {
    const config = readStackConfig(context({ alarmEmail: "", defaultCountry: "", rpsCeiling: "" }));
    expect(config.alarmEmail).toBeUndefined();
    expect(config.defaultCountry).toBeUndefined();
    expect(config.rpsCeiling).toBe(PIPELINE_DEFAULTS.rpsCeiling);
  });

  describe.each([
    [
      "auth0Domain",
      "https://acme.eu.auth0.com",
      'expected a host name like "tenant.eu.auth0.com" (no scheme, no path)',
    ],
    [
      "auth0Domain",
      "acme.eu.auth0.com/api",
      'expected a host name like "tenant.eu.auth0.com" (no scheme, no path)',
    ],
    [
      "auth0SecretArn",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:factor-sync/auth0",
      "expected the complete ARN of a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf)",
    ],
    ["rpsCeiling", "fast", "expected a number"],
    ["rpsCeiling", "0", "expected a number greater than 0"],
    ["budgetShare", "1.5", "expected a share of at most 1"],
    ["budgetShare", "0", "expected a share greater than 0"],
    ["maxConcurrency", "1", "expected at least 2"],
    ["maxConcurrency", 1001, "expected at most 1000"],
    ["batchSize", "2.5", "expected a whole number"],
    ["batchSize", "0", "expected at least 1"],
    ["maxReceiveCount", "0", "expected at least 1"],
    ["inputRetentionDays", "-1", "expected at least 1"],
    ["reportRetentionDays", "soon", "expected a number"],
    [
      "logRetentionDays",
      "10",
      "expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096",
    ],
    ["logLevel", "verbose", "expected one of trace, debug, info, warn, error, fatal, silent"],
    ["queueAgeAlarmMinutes", "0", "expected at least 1"],
    ["outcomeTtlDays", "0", "expected at least 1"],
    ["outcomeTtlDays", "1.5", "expected a whole number"],
    ["auth0UnavailableAlarmMinutes", "0", "expected at least 1"],
    ["alarmEmail", "ops-at-example.com", "expected an email address"],
    ["defaultCountry", "de", 'expected an upper-case ISO 3166-1 alpha-2 country code, e.g. "DE"'],
    ["defaultCountry", "XX", 'expected an upper-case ISO 3166-1 alpha-2 country code, e.g. "DE"'],
    ["phoneCheck", "loose", "expected strict or e164"],
    ["maxRejected", "lots", "expected a count such as 10 or a percentage such as 2.5%"],
    ["maxRejected", "150%", "expected a count such as 10 or a percentage such as 2.5%"],
  ])("when %s is %j", (key, value, expected) => {
    it("fails with an InvalidStackConfigError naming the key, the problem and the value", () => {
      const error = errorOf({ [key]: value });
      expect(error.name).toBe("InvalidStackConfigError");
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.key).toBe(key);
      expect(error.issues[0]?.message.slice(0, expected.length)).toBe(expected);
      expect(error.message).toContain(`${key}: ${expected}`);
      expect(error.message).toContain(JSON.stringify(value));
    });
  });

  it("names every bad key at once", () => {
    const error = errorOf({ batchSize: "0", budgetShare: "2" });
    expect(error.issues.map((issue) => issue.key).sort()).toEqual(["batchSize", "budgetShare"]);
  });

  it("refuses a key that differs from a known one only in case, instead of silently using the default", () => {
    const error = errorOf({ rpsceiling: "5" });
    expect(error.issues).toEqual([{ key: "rpsceiling", message: 'unknown key: did you mean "rpsCeiling"?' }]);
  });

  it("ignores context keys that are not its own (CDK's and other tools')", () => {
    expect(() =>
      readStackConfig(context({ "aws:cdk:bundling-stacks": [], "cli-telemetry": false })),
    ).not.toThrow();
  });
});
