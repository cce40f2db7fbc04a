import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../lib/config/errors.js";
import { requireSyncSettings } from "../../../lib/sync/syncSettings.js";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:SyncKey-AbCdEf";

describe("requireSyncSettings", () => {
  it("has no sync state without a jobs table", () => {
    expect(requireSyncSettings({ syncKeySecretArn: ARN, auth0Domain: "acme.eu.auth0.com" })).toBeUndefined();
    expect(requireSyncSettings({})).toBeUndefined();
  });

  it("returns the three settings when all are set", () => {
    expect(
      requireSyncSettings({ jobsTable: "jobs", syncKeySecretArn: ARN, auth0Domain: "acme.eu.auth0.com" }),
    ).toEqual({ jobsTable: "jobs", syncKeySecretArn: ARN, auth0Domain: "acme.eu.auth0.com" });
  });

  it.each([
    ["SYNC_KEY_SECRET_ARN", { jobsTable: "jobs", auth0Domain: "acme.eu.auth0.com" }],
    ["AUTH0_DOMAIN", { jobsTable: "jobs", syncKeySecretArn: ARN }],
  ])(
    "fails with a ConfigurationError naming %s when the table is set and it is missing",
    (variable, settings) => {
      let thrown: unknown;
      try {
        requireSyncSettings(settings);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigurationError);
      expect(thrown).toMatchObject({ name: "ConfigurationError", variable });
    },
  );
});
