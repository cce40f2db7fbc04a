import { Annotations, CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { Effect, type IRole, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IDestination } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { type CfnBucket, EventType } from "aws-cdk-lib/aws-s3";
import { LambdaDestination } from "aws-cdk-lib/aws-s3-notifications";
import { type CfnSecret, type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { INCOMING_PREFIX, PIPELINE_DEFAULTS, REPORTS_PREFIX } from "../lib/config/defaults.js";
import { PLACEHOLDER_AUTH0_DOMAIN, type StackConfig } from "./config.js";
import { IngestContinuation } from "./IngestContinuation.js";
import { JobsTable } from "./JobsTable.js";
import { PipelineAlarms } from "./PipelineAlarms.js";
import { PipelineDashboard } from "./PipelineDashboard.js";
import { PipelineFunction } from "./PipelineFunction.js";
import { PipelineStorage } from "./PipelineStorage.js";

/** Ingest's invocations: the longest Lambda allows; a file that needs longer continues from a checkpoint. */
const INGEST_TIMEOUT = Duration.seconds(PIPELINE_DEFAULTS.ingestTimeoutSeconds);
/** Parsing and validating is CPU-bound: 1769 MB buys one full vCPU. */
const INGEST_MEMORY_MB = 1769;
/** Apply waits on Auth0 most of the time. */
const APPLY_MEMORY_MB = 512;
/** Longest an S3 event waits for an ingest invocation before it is recorded as failed. */
const INGEST_MAX_EVENT_AGE = Duration.hours(6);
/** SQS maximum: no unapplied user may expire while a long migration drains. */
const QUEUE_RETENTION = Duration.days(14);

/**
 * The jobs table's actions both functions may use, agreed across the jobs, incremental-sync, incidents and
 * continuation issues. TransactWriteItems is authorised through PutItem, UpdateItem and ConditionCheckItem;
 * no Scan (jobs are listed by a Query on one partition), no DeleteItem (outcomes expire by TTL).
 */
export const JOBS_TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:Query",
  "dynamodb:BatchGetItem",
  "dynamodb:BatchWriteItem",
] as const;

/**
 * KMS actions on the table's customer-managed key for reading and writing its items (CDK's own table grants
 * without the wildcard: DynamoDB decrypts the table key on reads and encrypts on writes).
 */
const JOBS_TABLE_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"];

/** Options of {@link FactorSyncStack}. */
export interface FactorSyncStackProps extends StackProps {
  /** Validated settings, from `readStackConfig`. */
  config: StackConfig;
}

/**
 * The AWS side of factor-sync: a file under `incoming/` in the bucket triggers ingest, which sends one message a
 * user to the work queue; apply consumes it and PUTs each user's methods to Auth0; failures go to the DLQ.
 * Constructs only: what the functions do lives in `functions/` and `lib/`.
 */
export class FactorSyncStack extends Stack {
  /** Customer-managed key of the bucket, the queues, the jobs table and the created secret. */
  readonly key: Key;
  readonly storage: PipelineStorage;
  readonly workQueue: Queue;
  readonly deadLetterQueue: Queue;
  /** Lambda's on-failure destination for ingest invocations. */
  readonly ingestFailureQueue: Queue;
  /** The Auth0 client credentials: created empty, or the one referenced by `auth0SecretArn`. */
  readonly secret: ISecret;
  readonly ingest: PipelineFunction;
  readonly apply: PipelineFunction;
  readonly alarms: PipelineAlarms;
  /** Jobs, their counts and per-user outcomes, sync state. */
  readonly jobsTable: Table;
  readonly dashboard: PipelineDashboard;
  /** The control queue that continues an ingest in a new invocation, and the stalled-ingest sweep. */
  readonly continuation: IngestContinuation;

  constructor(scope: Construct, id: string, props: FactorSyncStackProps) {
    super(scope, id, props);
    // S3 delivers access logs under a bucket policy, not the legacy ACL (which needs ACLs enabled on the log
    // bucket). Set here, not in cdk.json, so every App that builds this stack (tests included) builds the same one.
    this.node.setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
    const { config } = props;

    if (config.auth0Domain === PLACEHOLDER_AUTH0_DOMAIN) {
      Annotations.of(this).addWarningV2(
        "factor-sync:placeholder-auth0-domain",
        `auth0Domain is not set: the stack uses the placeholder "${PLACEHOLDER_AUTH0_DOMAIN}", which reaches no tenant. Deploy with -c auth0Domain=YOUR_TENANT.eu.auth0.com`,
      );
    }

    // One customer-managed key for everything that holds user data: the bucket, the queues, the table, the secret.
    this.key = new Key(this, "DataKey", {
      enableKeyRotation: true,
      description: "factor-sync: input files, reports, queues, jobs table and the Auth0 credentials",
    });

    this.storage = new PipelineStorage(this, "Storage", {
      key: this.key,
      inputRetentionDays: config.inputRetentionDays,
      reportRetentionDays: config.reportRetentionDays,
      accessLogRetentionDays: config.accessLogRetentionDays,
    });

    const queueDefaults = {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
    } as const;
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      ...queueDefaults,
      retentionPeriod: Duration.seconds(PIPELINE_DEFAULTS.dlqRetentionSeconds),
    });
    this.workQueue = new Queue(this, "WorkQueue", {
      ...queueDefaults,
      // AWS advises six times the consumer's timeout, so a batch retried by Lambda is not redelivered meanwhile.
      visibilityTimeout: Duration.seconds(
        Math.max(PIPELINE_DEFAULTS.visibilityTimeoutSeconds, 6 * PIPELINE_DEFAULTS.applyTimeoutSeconds),
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });
    this.ingestFailureQueue = new Queue(this, "IngestFailureQueue", queueDefaults);
    Validations.of(this.ingestFailureQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself the end of the line: Lambda's on-failure destination for ingest. Nothing consumes it automatically, so there is nothing to dead-letter; an alarm watches its depth.",
    });

    this.jobsTable = new JobsTable(this, "Jobs", { key: this.key }).table;
    // Both functions: the table, and how long a per-user outcome is kept before its TTL removes it.
    const jobsEnvironment = {
      JOBS_TABLE: this.jobsTable.tableName,
      OUTCOME_TTL_DAYS: String(config.outcomeTtlDays),
    };

    this.secret =
      config.auth0SecretArn === undefined
        ? createEmptySecret(this, this.key)
        : Secret.fromSecretCompleteArn(this, "Auth0Credentials", config.auth0SecretArn);

    this.ingest = new PipelineFunction(this, "Ingest", {
      entry: "functions/ingest.ts",
      description:
        "factor-sync: reads a file of desired factors, sends one message a valid user, reports the rest",
      timeout: INGEST_TIMEOUT,
      memorySize: INGEST_MEMORY_MB,
      logRetention: config.logRetentionDays,
      environment: {
        QUEUE_URL: this.workQueue.queueUrl,
        REPORTS_PREFIX,
        SEND_CONCURRENCY: String(config.sendConcurrency),
        // Recorded in each job, for the completion report's achieved rate against the apply fleet's ceiling.
        RPS_CEILING: String(config.rpsCeiling),
        ...jobsEnvironment,
        LOG_LEVEL: config.logLevel,
        ...(config.defaultCountry === undefined ? {} : { DEFAULT_COUNTRY: config.defaultCountry }),
        ...(config.phoneCheck === undefined ? {} : { PHONE_CHECK: config.phoneCheck }),
        ...(config.maxRejected === undefined ? {} : { MAX_REJECTED: config.maxRejected }),
      },
    });
    this.apply = new PipelineFunction(this, "Apply", {
      entry: "functions/apply.ts",
      description: "factor-sync: makes each user's Auth0 authentication methods equal to the message",
      timeout: Duration.seconds(PIPELINE_DEFAULTS.applyTimeoutSeconds),
      memorySize: APPLY_MEMORY_MB,
      logRetention: config.logRetentionDays,
      environment: {
        AUTH0_DOMAIN: config.auth0Domain,
        // The ARN only: apply reads the value from Secrets Manager at start and caches it.
        AUTH0_SECRET_ARN: this.secret.secretArn,
        DLQ_URL: this.deadLetterQueue.queueUrl,
        MAX_RECEIVE_COUNT: String(config.maxReceiveCount),
        RPS_CEILING: String(config.rpsCeiling),
        BUDGET_SHARE: String(config.budgetShare),
        MAX_CONCURRENCY: String(config.maxConcurrency),
        APPLY_CONCURRENCY: String(config.applyConcurrency),
        ...jobsEnvironment,
        LOG_LEVEL: config.logLevel,
      },
    });
    // Neither function reserves concurrency: apply is capped by the event source's MaximumConcurrency (a reserve
    // below it only adds throttles), and a reserve for ingest would come out of the account's unreserved pool,
    // which new accounts do not have to spare.
    this.wireIngest();
    this.wireApply(config);
    // Issue 14: an ingest that runs out of time continues in a new invocation (docs/continuation.md).
    this.continuation = new IngestContinuation(this, "Continuation", {
      ingest: this.ingest,
      timeout: INGEST_TIMEOUT,
      key: this.key,
      bucket: this.storage.bucket,
      reportsPrefix: REPORTS_PREFIX,
    });

    this.alarms = new PipelineAlarms(this, "Alarms", {
      workQueue: this.workQueue,
      deadLetterQueue: this.deadLetterQueue,
      ingestFailureQueue: this.ingestFailureQueue,
      applyFunction: this.apply.function,
      ingestFunction: this.ingest.function,
      controlDeadLetterQueue: this.continuation.controlDeadLetterQueue,
      queueAgeAlarmMinutes: config.queueAgeAlarmMinutes,
      auth0UnavailableAlarmMinutes: config.auth0UnavailableAlarmMinutes,
      alarmEmail: config.alarmEmail,
    });
    this.dashboard = new PipelineDashboard(this, "Dashboard", {
      ingestFunction: this.ingest.function,
      applyFunction: this.apply.function,
      workQueue: this.workQueue,
      deadLetterQueue: this.deadLetterQueue,
      ingestFailureQueue: this.ingestFailureQueue,
      rpsCeiling: config.rpsCeiling,
      alarms: this.alarms.alarms,
    });

    acknowledgeNotificationsHandler(this);
    this.addOutputs();
  }

  /** Ingest reads input files, writes reports and sends to the work queue; nothing else. */
  private wireIngest(): void {
    const { bucket } = this.storage;
    const { role } = this.ingest;
    // The bucket is versioned and ingest reads the exact version its event names (GetObject with VersionId),
    // which S3 authorizes as GetObjectVersion; plain GetObject covers events without a version id.
    role.addToPrincipalPolicy(
      allow(["s3:GetObject", "s3:GetObjectVersion"], [bucket.arnForObjects(`${INCOMING_PREFIX}*`)]),
    );
    // Reports may be large: multipart uploads need PutObject, and AbortMultipartUpload when one fails.
    role.addToPrincipalPolicy(
      allow(["s3:PutObject", "s3:AbortMultipartUpload"], [bucket.arnForObjects(`${REPORTS_PREFIX}*`)]),
    );
    role.addToPrincipalPolicy(allow(["sqs:SendMessage"], [this.workQueue.queueArn]));
    // Decrypt reads input (and completes multipart uploads); GenerateDataKey encrypts reports and messages.
    role.addToPrincipalPolicy(allow(["kms:Decrypt", "kms:GenerateDataKey"], [this.key.keyArn]));
    const bucketArn = `<${this.resolve((bucket.node.defaultChild as CfnBucket).logicalId)}.Arn>`;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${INCOMING_PREFIX}*]`,
      reason:
        "Input object keys are chosen by whoever uploads a file, unknown at deploy time; the grant is GetObject and GetObjectVersion on one prefix of one bucket.",
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${REPORTS_PREFIX}*]`,
      reason:
        "Report keys mirror the input keys (reports/<key>.rejects.csv, .summary.json), unknown at deploy time; the grant is PutObject on one prefix of one bucket.",
    });

    // Every upload under incoming/, whatever its name: ingest itself answers an unsupported name with a file-level
    // error in its summary (design.md, "Input files"). Suffix filters would drop such files without a word, and
    // S3 matches them case-sensitively, so even `users.CSV` would be silently ignored.
    bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.ingest.function), {
      prefix: INCOMING_PREFIX,
    });

    // A failed ingest is not retried: a rerun re-sends every user already sent (harmless, PUT is idempotent, but it
    // spends the tenant's rate limit twice), and what fails a whole file (a timeout, a missing permission) fails
    // again. The failure is recorded with its S3 event and error, and alarmed on; re-uploading the file reruns it.
    this.ingest.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: INGEST_MAX_EVENT_AGE,
      onFailure: queueDestination(this.ingestFailureQueue),
    });
    role.addToPrincipalPolicy(allow(["sqs:SendMessage"], [this.ingestFailureQueue.queueArn]));
    this.grantJobsTable(role);
  }

  /** The jobs table's agreed actions on its ARN only (no index, so no `/index/*`), and its key. */
  private grantJobsTable(role: IRole): void {
    role.addToPrincipalPolicy(allow([...JOBS_TABLE_ACTIONS], [this.jobsTable.tableArn]));
    role.addToPrincipalPolicy(allow(JOBS_TABLE_KEY_ACTIONS, [this.key.keyArn]));
  }

  /** Apply consumes the work queue, dead-letters, and reads the Auth0 credentials. */
  private wireApply(config: StackConfig): void {
    // The event source grants receive, delete, ChangeMessageVisibility and kms:Decrypt on the work queue.
    this.apply.function.addEventSource(
      new SqsEventSource(this.workQueue, {
        batchSize: config.batchSize,
        maxBatchingWindow: Duration.seconds(PIPELINE_DEFAULTS.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: config.maxConcurrency,
      }),
    );
    const { role } = this.apply;
    role.addToPrincipalPolicy(allow(["sqs:SendMessage"], [this.deadLetterQueue.queueArn]));
    // SqsApplyQueue.requeue: a record that met only 429s goes back as a new message (its receives start over).
    role.addToPrincipalPolicy(allow(["sqs:SendMessage"], [this.workQueue.queueArn]));
    role.addToPrincipalPolicy(allow(["secretsmanager:GetSecretValue"], [this.secret.secretArn]));
    // Decrypt: messages and the secret; GenerateDataKey: dead letters, requeued messages and the reports.
    role.addToPrincipalPolicy(allow(["kms:Decrypt", "kms:GenerateDataKey"], [this.key.keyArn]));
    this.grantJobsTable(role);
    // The completion report (reports/<key>.result.json and .failures.csv), written by whichever function completes
    // the job; the failures CSV is streamed (multipart when large), so a failed upload must be abortable.
    const { bucket } = this.storage;
    role.addToPrincipalPolicy(
      allow(["s3:PutObject", "s3:AbortMultipartUpload"], [bucket.arnForObjects(`${REPORTS_PREFIX}*`)]),
    );
    const bucketArn = `<${this.resolve((bucket.node.defaultChild as CfnBucket).logicalId)}.Arn>`;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${REPORTS_PREFIX}*]`,
      reason:
        "Completion report keys mirror the input keys (reports/<key>.result.json, .failures.csv), unknown at deploy time; the grant is PutObject and AbortMultipartUpload on one prefix of one bucket.",
    });
  }

  private addOutputs(): void {
    const outputs: [string, string, string][] = [
      [
        "BucketName",
        this.storage.bucket.bucketName,
        "Upload input files under incoming/; reports appear under reports/",
      ],
      [
        "AccessLogBucketName",
        this.storage.accessLogBucket.bucketName,
        "S3 server access logs of the data bucket",
      ],
      ["WorkQueueUrl", this.workQueue.queueUrl, "One message a user, consumed by apply"],
      ["WorkQueueArn", this.workQueue.queueArn, "Where dlq-redrive moves messages back to"],
      ["DeadLetterQueueUrl", this.deadLetterQueue.queueUrl, "Failed users with their reason (dlq-export)"],
      ["DeadLetterQueueArn", this.deadLetterQueue.queueArn, "Source of dlq-redrive"],
      [
        "IngestFailureQueueUrl",
        this.ingestFailureQueue.queueUrl,
        "Failed ingest invocations (S3 event and error)",
      ],
      [
        "ControlQueueUrl",
        this.continuation.controlQueue.queueUrl,
        "Continuations of ingests that ran out of time (one message an invocation)",
      ],
      [
        "Auth0SecretArn",
        this.secret.secretArn,
        'Put {"clientId":"...","clientSecret":"..."} here before uploading',
      ],
      ["IngestFunctionName", this.ingest.function.functionName, "The ingest function"],
      ["ApplyFunctionName", this.apply.function.functionName, "The apply function"],
      [
        "JobsTableName",
        this.jobsTable.tableName,
        "Jobs, counts and per-user outcomes (factor-sync jobs/status/cancel --stack)",
      ],
      [
        "DashboardUrl",
        `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.dashboard.dashboard.dashboardName}`,
        "The CloudWatch dashboard of the pipeline",
      ],
    ];
    if (this.alarms.topic !== undefined) {
      outputs.push(["AlarmTopicArn", this.alarms.topic.topicArn, "Alarm notifications"]);
    }
    for (const [outputId, value, description] of outputs)
      new CfnOutput(this, outputId, { value, description });
  }
}

function allow(actions: string[], resources: string[]): PolicyStatement {
  return new PolicyStatement({ effect: Effect.ALLOW, actions, resources });
}

/**
 * A secret with no value at all (CloudFormation creates an empty secret when neither SecretString nor
 * GenerateSecretString is given; the L2 construct would generate a random password). Until the operator puts
 * the credentials, apply fails loudly on reading it instead of calling Auth0 with nonsense.
 */
function createEmptySecret(scope: Stack, key: Key): Secret {
  const secret = new Secret(scope, "Auth0Credentials", {
    description: 'factor-sync: Auth0 client credentials, {"clientId":"...","clientSecret":"..."}',
    encryptionKey: key,
  });
  (secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride("GenerateSecretString");
  Validations.of(secret).acknowledge({
    id: "AwsSolutions-SMG4",
    reason:
      "Auth0 client secrets are rotated in Auth0 (dashboard or Management API), which no Secrets Manager rotation Lambda can do here; after rotating in Auth0, put the new value with put-secret-value.",
  });
  return secret;
}

/** An SQS queue as a Lambda async destination, without the grant SqsDestination adds (its KMS actions are wildcards). */
function queueDestination(queue: Queue): IDestination {
  return { bind: () => ({ destination: queue.queueArn }) };
}

/**
 * S3 notifications are configured by CDK's own custom resource (a small Python Lambda), since CloudFormation cannot
 * point a bucket at a function whose permission refers back to the bucket. Its findings are CDK's code, not ours.
 */
function acknowledgeNotificationsHandler(stack: Stack): void {
  const handler = stack.node.tryFindChild("BucketNotificationsHandler050a0587b7544547bf325f094a3db834");
  if (handler === undefined) return;
  Validations.of(handler).acknowledge({
    id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    reason:
      "CDK's BucketNotificationsHandler attaches this policy to its role itself (even to a role we pass); it only lets the one-shot handler write its logs.",
  });
}
