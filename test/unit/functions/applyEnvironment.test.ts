import { describe, expect, it } from "vitest";
import { readApplyEnvironment } from "../../../functions/environment.js";
import { ConfigurationError } from "../../../lib/config/errors.js";

const required = {
  AUTH0_DOMAIN: "tenant.eu.auth0.com",
  AUTH0_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:auth0-AbCdEf",
  DLQ_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
};

describe("readApplyEnvironment", () => {
  it("applies the pipeline defaults to every optional variable", () => {
    expect(readApplyEnvironment({ ...required, RPS_CEILING: "" })).toEqual({
      ...required,
      MAX_RECEIVE_COUNT: 5,
      RPS_CEILING: 10,
      BUDGET_SHARE: 0.8,
      MAX_CONCURRENCY: 2,
      APPLY_CONCURRENCY: 10,
      LOG_LEVEL: "info",
      OUTCOME_TTL_DAYS: 30,
      AWS_LAMBDA_FUNCTION_NAME: "factor-sync-apply",
    });
  });

  it("reads the jobs table and the outcomes' time to live", () => {
    expect(
      readApplyEnvironment({ ...required, JOBS_TABLE: "factor-sync-jobs", OUTCOME_TTL_DAYS: "7" }),
    ).toMatchObject({
      JOBS_TABLE: "factor-sync-jobs",
      OUTCOME_TTL_DAYS: 7,
    });
    expect(() => readApplyEnvironment({ ...required, OUTCOME_TTL_DAYS: "0" })).toThrow(
      "environment variable OUTCOME_TTL_DAYS: is invalid",
    );
  });

  it("reads numbers from their strings", () => {
    expect(
      readApplyEnvironment({
        ...required,
        MAX_RECEIVE_COUNT: "3",
        RPS_CEILING: "12.5",
        BUDGET_SHARE: "1",
        MAX_CONCURRENCY: "4",
        APPLY_CONCURRENCY: "20",
        LOG_LEVEL: "debug",
        AWS_LAMBDA_FUNCTION_NAME: "FactorSync-ApplyFunction-abc",
      }),
    ).toMatchObject({
      MAX_RECEIVE_COUNT: 3,
      RPS_CEILING: 12.5,
      BUDGET_SHARE: 1,
      MAX_CONCURRENCY: 4,
      APPLY_CONCURRENCY: 20,
      LOG_LEVEL: "debug",
      AWS_LAMBDA_FUNCTION_NAME: "FactorSync-ApplyFunction-abc",
    });
  });

  it.each([
    [{ ...required, AUTH0_DOMAIN: undefined }, "environment variable AUTH0_DOMAIN: is required"],
    [{ ...required, AUTH0_SECRET_ARN: "" }, "environment variable AUTH0_SECRET_ARN: is required"],
    [{ ...required, DLQ_URL: "dlq" }, "environment variable DLQ_URL: is invalid"],
    [{ ...required, BUDGET_SHARE: "1.5" }, "environment variable BUDGET_SHARE: is invalid"],
    [{ ...required, MAX_CONCURRENCY: "two" }, "environment variable MAX_CONCURRENCY: is invalid"],
  ])("names the bad variable in %j", (env, message) => {
    expect(() => readApplyEnvironment(env)).toThrow(ConfigurationError);
    expect(() => readApplyEnvironment(env)).toThrow(message);
  });

  it.each([
    [
      "AUTH0_DOMAIN",
      { ...required, AUTH0_DOMAIN: undefined },
      "environment variable AUTH0_DOMAIN: is required",
    ],
    [
      "BUDGET_SHARE",
      { ...required, BUDGET_SHARE: "1.5" },
      "environment variable BUDGET_SHARE: is invalid (Too big: expected number to be <=1)",
    ],
    [
      "MAX_RECEIVE_COUNT",
      { ...required, MAX_RECEIVE_COUNT: "2.5" },
      "environment variable MAX_RECEIVE_COUNT: is invalid (Invalid input: expected int, received number)",
    ],
    [
      "LOG_LEVEL",
      { ...required, LOG_LEVEL: "loud" },
      'environment variable LOG_LEVEL: is invalid (Invalid option: expected one of "trace"|"debug"|"info"|"warn"|"error"|"fatal"|"silent")',
    ],
  ])("explains in words what is wrong with %s", (variable, env, message) => {
    expect(() => readApplyEnvironment(env)).toThrow(ConfigurationError);
    expect(() => readApplyEnvironment(env)).toThrow(expect.objectContaining({ variable, message }));
  });
});
