import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../infra/config.js";
import { FactorSyncStack } from "../../infra/FactorSyncStack.js";
import { synthesizeStack } from "../helpers/infra.js";

const EVERY_OPTION = {
  auth0Domain: "acme.eu.auth0.com",
  auth0SecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:factor-sync/auth0-AbCdEf",
  alarmEmail: "ops@example.com",
  defaultCountry: "DE",
};

/** The findings cdk-nag's AwsSolutions pack still reports (errors and warnings), as "rule at path" lines. */
function awsSolutionsFindings(app: App): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
  );
}

describe("cdk-nag AwsSolutions", () => {
  it.each([
    ["the defaults", {}],
    ["every option set (alarm topic, referenced secret)", EVERY_OPTION],
  ])("reports no unacknowledged error or warning with %s", (_, context) => {
    expect(awsSolutionsFindings(synthesizeStack(context).app)).toEqual([]);
  });

  it("reports what nobody acknowledged, so a clean result means something", () => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    new Queue(new Stack(app, "Careless"), "PlainQueue");
    expect(awsSolutionsFindings(app)).toEqual([
      "AwsSolutions-SQS3 at Careless/PlainQueue/Resource",
      "AwsSolutions-SQS4 at Careless/PlainQueue/Resource",
    ]);
  });

  it("lets the stack synthesize with the pack registered the way infra/app.ts does", () => {
    const outdir = mkdtempSync(join(tmpdir(), "factor-sync-nag-"));
    try {
      const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [], ...EVERY_OPTION } });
      new FactorSyncStack(app, "FactorSync", { config: readStackConfig(app.node) });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      // Under vitest, CDK throws a ValidationFailed error listing every unacknowledged finding.
      expect(() => app.synth()).not.toThrow();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("acknowledges exactly these findings, each one on its own resource and with its reason", () => {
    const { app, stack, logicalId } = synthesizeStack();
    const bucketArn = `<${logicalId(stack.storage.bucket)}.Arn>`;
    const acknowledged = app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            at: construct.node.path,
            id: id.replace(/^Annotation::/, ""),
            reason,
          })),
        ),
    );
    expect(acknowledged.map(({ at, id }) => `${id} at ${at}`)).toEqual([
      "AwsSolutions-S1 at FactorSync/Storage/AccessLogs",
      "AwsSolutions-SQS3 at FactorSync/IngestFailureQueue",
      "AwsSolutions-SMG4 at FactorSync/Auth0Credentials",
      "AwsSolutions-SMG4 at FactorSync/SyncKey",
      `AwsSolutions-IAM5[Resource::${bucketArn}/incoming/*] at FactorSync/Ingest/Role`,
      `AwsSolutions-IAM5[Resource::${bucketArn}/reports/*] at FactorSync/Ingest/Role`,
      `AwsSolutions-IAM5[Resource::${bucketArn}/reports/.ingest/*] at FactorSync/Ingest/Role`,
      "AwsSolutions-L1 at FactorSync/Ingest/Function",
      `AwsSolutions-IAM5[Resource::${bucketArn}/reports/*] at FactorSync/Apply/Role`,
      "AwsSolutions-L1 at FactorSync/Apply/Function",
      "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] at FactorSync/BucketNotificationsHandler050a0587b7544547bf325f094a3db834",
    ]);
    // Never at the stack or app level, never a rule acknowledged wholesale where it reports findings one by one.
    for (const { at, id, reason } of acknowledged) {
      expect(at).not.toBe("FactorSync");
      expect(id).not.toMatch(/^AwsSolutions-IAM[45]$/);
      expect(reason.length).toBeGreaterThan(80);
    }
  });
});
