import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { STALLED_INGESTS_METRIC } from "../lib/ingest/stalledIngests.js";
import type { PipelineFunction } from "./PipelineFunction.js";

/** Options of {@link IngestContinuation}. */
export interface IngestContinuationProps {
  ingest: PipelineFunction;
  /** The ingest function's timeout: the control queue's visibility timeout is six times it. */
  timeout: Duration;
  key: IKey;
  bucket: IBucket;
  /** Where reports go: the ingest's own state (pass 1's table of users, report parts) is under `<prefix>.ingest/`. */
  reportsPrefix: string;
}

/**
 * What lets an ingest continue across invocations (issue 14, docs/continuation.md): the small control queue
 * whose messages start the next invocation (KMS, TLS only, a dead-letter queue after 3 receives), the ingest
 * function as its consumer (batch size 1) with the grants to send to it and to delete its own state objects, a
 * sweep every 5 minutes (a schedule invoking ingest) that counts stalled ingests, and the alarms: a stalled
 * ingest (a checkpoint nobody took up: its continuation was lost), and continuations dead-lettered.
 * `CONTROL_QUEUE_URL` is set on the function; with `JOBS_TABLE` (the jobs table, issue 10) ingests continue.
 */
export class IngestContinuation extends Construct {
  readonly controlQueue: Queue;
  readonly controlDeadLetterQueue: Queue;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: IngestContinuationProps) {
    super(scope, id);
    const queueDefaults = {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    } as const;
    this.controlDeadLetterQueue = new Queue(this, "ControlDeadLetterQueue", queueDefaults);
    this.controlQueue = new Queue(this, "ControlQueue", {
      ...queueDefaults,
      visibilityTimeout: Duration.seconds(props.timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.controlDeadLetterQueue, maxReceiveCount: 3 },
    });

    const fn = props.ingest.function;
    fn.addEnvironment("CONTROL_QUEUE_URL", this.controlQueue.queueUrl);
    // One continuation an invocation: each carries a whole invocation's work.
    fn.addEventSource(new SqsEventSource(this.controlQueue, { batchSize: 1 }));
    props.ingest.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["sqs:SendMessage"],
        resources: [this.controlQueue.queueArn],
      }),
    );
    // The ingest's state (pass 1's table, report parts) is deleted once the file is done; GetObject reads it back.
    const prefix = props.reportsPrefix.endsWith("/") ? props.reportsPrefix : `${props.reportsPrefix}/`;
    props.ingest.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["s3:GetObject", "s3:DeleteObject"],
        resources: [props.bucket.arnForObjects(`${prefix}.ingest/*`)],
      }),
    );

    new Rule(this, "StalledIngestSweep", {
      description: "factor-sync: counts ingests whose checkpoint no invocation took up",
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(fn, { event: RuleTargetInput.fromObject({ source: "aws.events" }) })],
    });

    const fiveMinutes = Duration.minutes(5);
    this.alarms = [
      new Alarm(this, "StalledIngest", {
        metric: new Metric({
          namespace: "FactorSync",
          metricName: STALLED_INGESTS_METRIC,
          dimensionsMap: { FunctionName: fn.functionName },
          statistic: "Maximum",
          period: fiveMinutes,
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription:
          "An ingest saved a checkpoint that no invocation took up for twice the function's timeout: its continuation was lost. `factor-sync status <job> --stack` shows it; re-send its continuation (the job names the checkpoint) or upload the file again.",
      }),
      new Alarm(this, "ContinuationDeadLetters", {
        metric: this.controlDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: "Maximum",
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription:
          "A continuation of an ingest failed three times and was dead-lettered: the ingest logs say why; redrive the message once the cause is fixed.",
      }),
    ];
  }
}
