import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { Key } from "aws-cdk-lib/aws-kms";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestContinuation } from "../../infra/IngestContinuation.js";
import { PipelineFunction } from "../../infra/PipelineFunction.js";

describe("IngestContinuation", () => {
  let outdir: string;
  let template: Template;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "factor-sync-continuation-"));
    const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [] } });
    const stack = new Stack(app, "Continuation");
    const key = new Key(stack, "Key");
    const bucket = new Bucket(stack, "Bucket");
    const ingest = new PipelineFunction(stack, "Ingest", {
      entry: "functions/ingest.ts",
      description: "ingest",
      timeout: Duration.minutes(15),
      memorySize: 1769,
      environment: {},
      logRetention: RetentionDays.ONE_MONTH,
    });
    new IngestContinuation(stack, "IngestContinuation", {
      ingest,
      timeout: Duration.minutes(15),
      key,
      bucket,
      reportsPrefix: "reports/",
    });
    template = Template.fromStack(stack);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("makes a KMS-encrypted control queue with a dead-letter queue, visible again after six function timeouts", () => {
    template.resourceCountIs("AWS::SQS::Queue", 2);
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 5400,
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() },
    });
  });

  it("feeds ingest from the control queue one continuation at a time, and lets it send there", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", { BatchSize: 1 });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: { CONTROL_QUEUE_URL: Match.anyValue() } },
    });
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: "sqs:SendMessage", Effect: "Allow" }),
          Match.objectLike({ Action: ["s3:GetObject", "s3:DeleteObject"], Effect: "Allow" }),
        ]),
      },
    });
  });

  it("sweeps for stalled ingests every 5 minutes and alarms on one, and on a dead-lettered continuation", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(5 minutes)",
      Targets: [Match.objectLike({ Input: JSON.stringify({ source: "aws.events" }) })],
    });
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")).map(
      (alarm) => (alarm as { Properties: Record<string, unknown> }).Properties,
    );
    expect(alarms.map((alarm) => [alarm.Namespace, alarm.MetricName, alarm.Threshold])).toEqual([
      ["FactorSync", "StalledIngests", 1],
      ["AWS/SQS", "ApproximateNumberOfMessagesVisible", 1],
    ]);
  });
});
