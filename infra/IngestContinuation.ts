import { Duration, Stack, Validations } from "aws-cdk-lib";
import { Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { CfnBucket, IBucket } from "aws-cdk-lib/aws-s3";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
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
 * sweep every 5 minutes (a schedule invoking ingest) that counts stalled ingests (the `StalledIngest` and
 * `ContinuationDeadLetters` alarms are in `PipelineAlarms`). `CONTROL_QUEUE_URL` and `INGEST_TIMEOUT_SECONDS` are
 * set on the function; with `JOBS_TABLE` (the jobs table, issue 10) ingests continue.
 */
export class IngestContinuation extends Construct {
  readonly controlQueue: Queue;
  readonly controlDeadLetterQueue: Queue;
  /** The schedule that invokes ingest to count stalled ingests. */
  readonly sweep: Rule;

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
    fn.addEnvironment("INGEST_TIMEOUT_SECONDS", String(props.timeout.toSeconds()));
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
    const bucketArn = `<${Stack.of(this).resolve((props.bucket.node.defaultChild as CfnBucket).logicalId)}.Arn>`;
    Validations.of(props.ingest.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}.ingest/*]`,
      reason:
        "An ingest's own state objects (pass 1's table of users, report parts) are named by its job id, unknown at deploy time; the grant is GetObject and DeleteObject under one prefix of one bucket.",
    });

    this.sweep = new Rule(this, "StalledIngestSweep", {
      description: "factor-sync: counts ingests whose checkpoint no invocation took up",
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(fn, { event: RuleTargetInput.fromObject({ source: "aws.events" }) })],
    });
  }
}
