import { readFileSync } from "node:fs";
import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { PLACEHOLDER_AUTH0_DOMAIN } from "../../infra/config.js";
import { ALARM_IDS } from "../../infra/PipelineAlarms.js";
import { PIPELINE_DEFAULTS } from "../../lib/config/defaults.js";
import { propertiesOf, resourcesOfType, type SynthesizedStack, synthesizeStack } from "../helpers/infra.js";

const getAtt = (logicalId: string, attribute = "Arn") => ({ "Fn::GetAtt": [logicalId, attribute] });
const ref = (logicalId: string) => ({ Ref: logicalId });
const objectsUnder = (bucketId: string, prefix: string) => ({
  "Fn::Join": ["", [getAtt(bucketId), `/${prefix}`]],
});

/** A `Fn::Join` of strings and references as text: `{Ref: X}` → `<X>`, `{Fn::GetAtt: [X, A]}` → `<X.A>`. */
function renderJoin(value: unknown): string {
  if (typeof value === "string") return value;
  const object = value as Record<string, unknown>;
  if ("Ref" in object) return `<${String(object.Ref)}>`;
  if ("Fn::GetAtt" in object) return `<${(object["Fn::GetAtt"] as string[]).join(".")}>`;
  if ("Fn::Join" in object) {
    const [separator, parts] = object["Fn::Join"] as [string, unknown[]];
    return parts.map(renderJoin).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

const EXISTING_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:factor-sync/auth0-AbCdEf";

describe("FactorSyncStack with default settings", () => {
  let s: SynthesizedStack;
  let ids: {
    key: string;
    bucket: string;
    logBucket: string;
    workQueue: string;
    dlq: string;
    failures: string;
    secret: string;
    ingest: string;
    apply: string;
    jobs: string;
    control: string;
    controlDlq: string;
  };
  beforeAll(() => {
    s = synthesizeStack();
    ids = {
      key: s.logicalId(s.stack.key),
      bucket: s.logicalId(s.stack.storage.bucket),
      logBucket: s.logicalId(s.stack.storage.accessLogBucket),
      workQueue: s.logicalId(s.stack.workQueue),
      dlq: s.logicalId(s.stack.deadLetterQueue),
      failures: s.logicalId(s.stack.ingestFailureQueue),
      secret: s.logicalId(s.stack.secret),
      ingest: s.logicalId(s.stack.ingest.function),
      apply: s.logicalId(s.stack.apply.function),
      jobs: s.logicalId(s.stack.jobsTable),
      control: s.logicalId(s.stack.continuation.controlQueue),
      controlDlq: s.logicalId(s.stack.continuation.controlDeadLetterQueue),
    };
  });

  describe("the data key", () => {
    it("is customer-managed and rotates", () => {
      expect(propertiesOf(s.template, ids.key)).toMatchObject({ EnableKeyRotation: true });
      s.template.resourceCountIs("AWS::KMS::Key", 1);
    });
  });

  describe("the buckets", () => {
    it("encrypt the data bucket with the customer-managed key, one bucket key instead of a KMS call per object", () => {
      expect(propertiesOf(s.template, ids.bucket).BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { KMSMasterKeyID: getAtt(ids.key), SSEAlgorithm: "aws:kms" },
          },
        ],
      });
    });

    it("encrypt the access-log bucket with S3-managed keys, the only encryption S3 log delivery supports", () => {
      expect(propertiesOf(s.template, ids.logBucket).BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      });
    });

    it("block all public access and ACLs on both buckets, and version the data bucket", () => {
      for (const id of [ids.bucket, ids.logBucket]) {
        expect(propertiesOf(s.template, id)).toMatchObject({
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
        });
      }
      expect(propertiesOf(s.template, ids.bucket).VersioningConfiguration).toEqual({ Status: "Enabled" });
    });

    it("deny every request to either bucket that is not over TLS 1.2 or later", () => {
      for (const id of [ids.bucket, ids.logBucket]) {
        const resources = [getAtt(id), { "Fn::Join": ["", [getAtt(id), "/*"]] }];
        s.template.hasResourceProperties("AWS::S3::BucketPolicy", {
          Bucket: ref(id),
          PolicyDocument: {
            Statement: Match.arrayWith([
              {
                Action: "s3:*",
                Condition: { Bool: { "aws:SecureTransport": "false" } },
                Effect: "Deny",
                Principal: { AWS: "*" },
                Resource: resources,
              },
              {
                Action: "s3:*",
                Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
                Effect: "Deny",
                Principal: { AWS: "*" },
                Resource: resources,
              },
            ]),
          },
        });
      }
    });

    it("deliver the data bucket's access logs to the log bucket, allowed by bucket policy for that bucket only", () => {
      expect(propertiesOf(s.template, ids.bucket).LoggingConfiguration).toEqual({
        DestinationBucketName: ref(ids.logBucket),
        LogFilePrefix: "data/",
      });
      s.template.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: ref(ids.logBucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: "s3:PutObject",
              Condition: {
                ArnLike: { "aws:SourceArn": getAtt(ids.bucket) },
                StringEquals: { "aws:SourceAccount": ref("AWS::AccountId") },
              },
              Effect: "Allow",
              Principal: { Service: "logging.s3.amazonaws.com" },
              Resource: objectsUnder(ids.logBucket, "data/*"),
            },
          ]),
        },
      });
    });

    it("expire input files (and their noncurrent versions) after 7 days, reports after 30, abandoned uploads after 1", () => {
      expect(propertiesOf(s.template, ids.bucket).LifecycleConfiguration).toEqual({
        Rules: [
          {
            Id: "ExpireInput",
            Prefix: "incoming/",
            ExpirationInDays: 7,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            Status: "Enabled",
          },
          {
            Id: "ExpireReports",
            Prefix: "reports/",
            ExpirationInDays: 30,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            Status: "Enabled",
          },
          {
            Id: "Housekeeping",
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            ExpiredObjectDeleteMarker: true,
            Status: "Enabled",
          },
        ],
      });
      expect(propertiesOf(s.template, ids.logBucket).LifecycleConfiguration).toEqual({
        Rules: [
          {
            Id: "ExpireAccessLogs",
            ExpirationInDays: 90,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: "Enabled",
          },
        ],
      });
    });

    it("are kept when the stack is deleted, with the key that decrypts them", () => {
      const resources = s.template.toJSON().Resources as Record<string, { DeletionPolicy?: string }>;
      for (const id of [ids.bucket, ids.logBucket, ids.key])
        expect(resources[id]?.DeletionPolicy).toBe("Retain");
    });

    it("send every ObjectCreated event under incoming/ to ingest, whatever the name, so ingest reports unsupported ones", () => {
      const [notifications] = resourcesOfType(s.template, "Custom::S3BucketNotifications");
      expect(notifications?.[1].BucketName).toEqual(ref(ids.bucket));
      // One prefix filter and no suffix filter: S3's suffix filters are case-sensitive and would drop
      // `users.CSV` or `users.txt` without a word, where ingest writes a summary that says what is wrong.
      expect(notifications?.[1].NotificationConfiguration).toEqual({
        LambdaFunctionConfigurations: [
          {
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "incoming/" }] } },
            LambdaFunctionArn: getAtt(ids.ingest),
          },
        ],
      });
      expect(
        resourcesOfType(s.template, "AWS::Lambda::Permission").map(([, properties]) => properties),
      ).toEqual([
        {
          Action: "lambda:InvokeFunction",
          FunctionName: getAtt(ids.ingest),
          Principal: "s3.amazonaws.com",
          SourceAccount: ref("AWS::AccountId"),
          SourceArn: getAtt(ids.bucket),
        },
        {
          // The stalled-ingest sweep: a schedule of its own.
          Action: "lambda:InvokeFunction",
          FunctionName: getAtt(ids.ingest),
          Principal: "events.amazonaws.com",
          SourceArn: getAtt(s.logicalId(s.stack.continuation.sweep)),
        },
      ]);
    });
  });

  describe("the queues", () => {
    it("encrypt the work queue, the DLQ, the ingest failure queue and the control queue and its DLQ with the customer-managed key", () => {
      for (const id of [ids.workQueue, ids.dlq, ids.failures, ids.control, ids.controlDlq]) {
        expect(propertiesOf(s.template, id).KmsMasterKeyId).toEqual(getAtt(ids.key));
      }
      s.template.resourceCountIs("AWS::SQS::Queue", 5);
    });

    it("make a continuation visible again after six ingest timeouts, and dead-letter it after 3 receives", () => {
      expect(propertiesOf(s.template, ids.control)).toEqual({
        KmsMasterKeyId: getAtt(ids.key),
        MessageRetentionPeriod: 14 * 24 * 3600,
        RedrivePolicy: { deadLetterTargetArn: getAtt(ids.controlDlq), maxReceiveCount: 3 },
        VisibilityTimeout: 6 * PIPELINE_DEFAULTS.ingestTimeoutSeconds,
      });
      expect(propertiesOf(s.template, ids.controlDlq)).toEqual({
        KmsMasterKeyId: getAtt(ids.key),
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    });

    it("move a message to the DLQ after maxReceiveCount receives, with a visibility timeout of 6 x apply's timeout", () => {
      expect(propertiesOf(s.template, ids.workQueue)).toEqual({
        KmsMasterKeyId: getAtt(ids.key),
        MessageRetentionPeriod: 14 * 24 * 3600,
        RedrivePolicy: {
          deadLetterTargetArn: getAtt(ids.dlq),
          maxReceiveCount: PIPELINE_DEFAULTS.maxReceiveCount,
        },
        VisibilityTimeout: 6 * PIPELINE_DEFAULTS.applyTimeoutSeconds,
      });
    });

    it("keep dead letters and failed ingest events 14 days, the SQS maximum", () => {
      for (const id of [ids.dlq, ids.failures]) {
        expect(propertiesOf(s.template, id)).toEqual({
          KmsMasterKeyId: getAtt(ids.key),
          MessageRetentionPeriod: PIPELINE_DEFAULTS.dlqRetentionSeconds,
        });
      }
    });

    it("deny every request to any queue that is not over TLS", () => {
      for (const id of [ids.workQueue, ids.dlq, ids.failures, ids.control, ids.controlDlq]) {
        s.template.hasResourceProperties("AWS::SQS::QueuePolicy", {
          Queues: [ref(id)],
          PolicyDocument: {
            Statement: [
              {
                Action: "sqs:*",
                Condition: { Bool: { "aws:SecureTransport": "false" } },
                Effect: "Deny",
                Principal: { AWS: "*" },
                Resource: getAtt(id),
              },
            ],
          },
        });
      }
    });
  });

  describe("the Auth0 credentials", () => {
    it("live in a secret created empty (no value, generated or literal, in the template) and encrypted with the key", () => {
      expect(propertiesOf(s.template, ids.secret)).toEqual({
        Description: 'factor-sync: Auth0 client credentials, {"clientId":"...","clientSecret":"..."}',
        KmsKeyId: getAtt(ids.key),
      });
    });
  });

  describe("the functions", () => {
    it("run on nodejs22.x and arm64, with the entry point's handler export", () => {
      for (const id of [ids.ingest, ids.apply]) {
        expect(propertiesOf(s.template, id)).toMatchObject({
          Runtime: "nodejs22.x",
          Architectures: ["arm64"],
          Handler: "index.handler",
        });
      }
    });

    it("give ingest 15 minutes and a full vCPU, apply the shared timeout", () => {
      expect(propertiesOf(s.template, ids.ingest)).toMatchObject({ Timeout: 900, MemorySize: 1769 });
      expect(propertiesOf(s.template, ids.apply)).toMatchObject({
        Timeout: PIPELINE_DEFAULTS.applyTimeoutSeconds,
        MemorySize: 512,
      });
    });

    it("set exactly the environment the handlers read, with resource names and settings only", () => {
      expect(propertiesOf(s.template, ids.ingest).Environment).toEqual({
        Variables: {
          QUEUE_URL: ref(ids.workQueue),
          REPORTS_PREFIX: "reports/",
          SEND_CONCURRENCY: String(PIPELINE_DEFAULTS.sendConcurrency),
          RPS_CEILING: String(PIPELINE_DEFAULTS.rpsCeiling),
          JOBS_TABLE: ref(ids.jobs),
          OUTCOME_TTL_DAYS: "30",
          LOG_LEVEL: "info",
          AUTH0_DOMAIN: PLACEHOLDER_AUTH0_DOMAIN,
          SYNC_KEY_SECRET_ARN: ref(s.logicalId(s.stack.syncKey)),
          NODE_OPTIONS: "--enable-source-maps",
          CONTROL_QUEUE_URL: ref(ids.control),
          INGEST_TIMEOUT_SECONDS: "900",
        },
      });
      expect(propertiesOf(s.template, ids.apply).Environment).toEqual({
        Variables: {
          AUTH0_DOMAIN: PLACEHOLDER_AUTH0_DOMAIN,
          AUTH0_SECRET_ARN: ref(ids.secret),
          DLQ_URL: ref(ids.dlq),
          MAX_RECEIVE_COUNT: String(PIPELINE_DEFAULTS.maxReceiveCount),
          RPS_CEILING: String(PIPELINE_DEFAULTS.rpsCeiling),
          BUDGET_SHARE: String(PIPELINE_DEFAULTS.budgetShare),
          MAX_CONCURRENCY: String(PIPELINE_DEFAULTS.maxConcurrency),
          APPLY_CONCURRENCY: String(PIPELINE_DEFAULTS.applyConcurrency),
          JOBS_TABLE: ref(ids.jobs),
          OUTCOME_TTL_DAYS: "30",
          LOG_LEVEL: "info",
          NODE_OPTIONS: "--enable-source-maps",
        },
      });
    });

    it("log to their own log groups, kept 30 days", () => {
      for (const fn of [s.stack.ingest, s.stack.apply]) {
        const logGroupId = s.logicalId(fn.logGroup);
        expect(propertiesOf(s.template, logGroupId)).toEqual({ RetentionInDays: 30 });
        expect(propertiesOf(s.template, s.logicalId(fn.function)).LoggingConfig).toEqual({
          LogGroup: ref(logGroupId),
        });
      }
    });

    it("reserve no concurrency: apply is bounded by the event source's MaximumConcurrency", () => {
      for (const id of [ids.ingest, ids.apply]) {
        expect(propertiesOf(s.template, id).ReservedConcurrentExecutions).toBeUndefined();
      }
    });

    it("feed ingest from the control queue one continuation at a time, apply from the work queue with partial batch failures, a batch size, a batching window and MaximumConcurrency", () => {
      expect(resourcesOfType(s.template, "AWS::Lambda::EventSourceMapping").map(([, p]) => p)).toEqual([
        // Ingest's continuations, one an invocation.
        { BatchSize: 1, EventSourceArn: getAtt(ids.control), FunctionName: ref(ids.ingest) },
        {
          BatchSize: PIPELINE_DEFAULTS.batchSize,
          EventSourceArn: getAtt(ids.workQueue),
          FunctionName: ref(ids.apply),
          FunctionResponseTypes: ["ReportBatchItemFailures"],
          MaximumBatchingWindowInSeconds: PIPELINE_DEFAULTS.maxBatchingWindowSeconds,
          ScalingConfig: { MaximumConcurrency: PIPELINE_DEFAULTS.maxConcurrency },
        },
      ]);
    });

    it("invoke ingest every 5 minutes to sweep for stalled ingests", () => {
      expect(resourcesOfType(s.template, "AWS::Events::Rule").map(([, p]) => p)).toEqual([
        {
          Description: "factor-sync: counts ingests whose checkpoint no invocation took up",
          ScheduleExpression: "rate(5 minutes)",
          State: "ENABLED",
          Targets: [
            { Arn: getAtt(ids.ingest), Id: "Target0", Input: JSON.stringify({ source: "aws.events" }) },
          ],
        },
      ]);
    });

    it("do not retry a failed ingest, and record it with its event in the ingest failure queue", () => {
      expect(resourcesOfType(s.template, "AWS::Lambda::EventInvokeConfig").map(([, p]) => p)).toEqual([
        {
          FunctionName: ref(ids.ingest),
          Qualifier: "$LATEST",
          MaximumRetryAttempts: 0,
          MaximumEventAgeInSeconds: 6 * 3600,
          DestinationConfig: { OnFailure: { Destination: getAtt(ids.failures) } },
        },
      ]);
    });
  });

  describe("the jobs table", () => {
    it("keys items by pk and sk (strings), on demand, with no index", () => {
      const table = propertiesOf(s.template, ids.jobs);
      expect(table.KeySchema).toEqual([
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ]);
      expect(table.AttributeDefinitions).toEqual([
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ]);
      expect(table.BillingMode).toBe("PAY_PER_REQUEST");
      expect(table.GlobalSecondaryIndexes).toBeUndefined();
      expect(table.LocalSecondaryIndexes).toBeUndefined();
      s.template.resourceCountIs("AWS::DynamoDB::Table", 1);
    });

    it("is encrypted with the stack's customer-managed key", () => {
      expect(propertiesOf(s.template, ids.jobs).SSESpecification).toEqual({
        KMSMasterKeyId: getAtt(ids.key),
        SSEEnabled: true,
        SSEType: "KMS",
      });
    });

    it("has point-in-time recovery and expires per-user outcomes by the expiresAt attribute", () => {
      expect(propertiesOf(s.template, ids.jobs)).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      });
    });

    it("is kept when the stack is deleted or the table replaced", () => {
      const resources = s.template.toJSON().Resources as Record<
        string,
        { DeletionPolicy?: string; UpdateReplacePolicy?: string }
      >;
      expect(resources[ids.jobs]?.DeletionPolicy).toBe("Retain");
      expect(resources[ids.jobs]?.UpdateReplacePolicy).toBe("Retain");
    });
  });

  describe("the dashboard", () => {
    interface Widget {
      type: string;
      properties: {
        title?: string;
        metrics?: unknown[][];
        annotations?: { horizontal?: { value: number; label: string }[] };
        alarms?: string[];
      };
    }
    let widgets: Widget[];
    beforeAll(() => {
      const [dashboard] = resourcesOfType(s.template, "AWS::CloudWatch::Dashboard");
      widgets = (JSON.parse(renderJoin(dashboard?.[1].DashboardBody)) as { widgets: Widget[] }).widgets;
    });
    const titled = (title: string) => {
      const widget = widgets.find((each) => each.properties.title?.startsWith(title));
      if (widget === undefined) throw new Error(`no widget titled ${title}`);
      return widget;
    };
    /** Every metric a graph draws, as "namespace name dimension=value" (expressions as themselves). */
    const drawn = (title: string) =>
      (titled(title).properties.metrics ?? []).map((row) => {
        const options = row.at(-1) as { expression?: string; stat?: string };
        if (options.expression !== undefined) return `expression ${options.expression}`;
        const [namespace, name, ...dimensions] = row.slice(0, -1) as string[];
        return [namespace, name, dimensions.join("="), options.stat].join(" ");
      });

    it("has exactly these widgets", () => {
      expect(widgets.map((widget) => widget.properties.title ?? widget.type)).toEqual([
        "text",
        "Alarms",
        "Applied per second (ceiling 10)",
        "429s and x-ratelimit-remaining",
        "Failures and held records",
        "Work queue",
        "Dead letters",
        "Ingest: users",
        "PUT latency (ms)",
        "Pacer wait (ms)",
        "Function errors and duration",
      ]);
    });

    it("draws applied per second and all PUTs per second against the configured ceiling", () => {
      const rate = titled("Applied per second");
      expect(rate.properties.annotations?.horizontal).toEqual([
        { value: PIPELINE_DEFAULTS.rpsCeiling, label: "ceiling: 10 requests/s", yAxis: "left" },
      ]);
      const apply = `<${ids.apply}>`;
      expect(drawn("Applied per second")).toEqual([
        "expression applied / PERIOD(applied)",
        `FactorSync PutsApplied FunctionName=${apply} Sum`,
        "expression (FILL(a, 0) + FILL(f, 0) + FILL(t, 0) + FILL(x, 0)) / PERIOD(a)",
        `FactorSync PutsApplied FunctionName=${apply} Sum`,
        `FactorSync PutsFailed FunctionName=${apply} Sum`,
        `FactorSync PutsThrottled FunctionName=${apply} Sum`,
        `FactorSync PutsTransient FunctionName=${apply} Sum`,
      ]);
    });

    it("draws 429s, failures, held records, queue depth and age, the DLQ, and both functions' errors and duration", () => {
      const apply = `FunctionName=<${ids.apply}>`;
      const ingest = `FunctionName=<${ids.ingest}>`;
      const queue = (id: string) => `QueueName=<${id}.QueueName>`;
      expect(drawn("429s")).toEqual([
        `FactorSync PutsThrottled ${apply} Sum`,
        `FactorSync RateLimitRemaining ${apply} Minimum`,
      ]);
      expect(drawn("Failures")).toEqual([
        `FactorSync PutsFailed ${apply} Sum`,
        `FactorSync PutsTransient ${apply} Sum`,
        `FactorSync DeadLettered ${apply} Sum`,
        `FactorSync HeldByCircuit ${apply} Sum`,
        `FactorSync HeldByConfiguration ${apply} Sum`,
      ]);
      expect(drawn("Work queue")).toEqual([
        `AWS/SQS ApproximateNumberOfMessagesVisible ${queue(ids.workQueue)} Maximum`,
        `AWS/SQS ApproximateNumberOfMessagesNotVisible ${queue(ids.workQueue)} Maximum`,
        `AWS/SQS ApproximateAgeOfOldestMessage ${queue(ids.workQueue)} Maximum`,
      ]);
      expect(drawn("Dead letters")).toEqual([
        `AWS/SQS ApproximateNumberOfMessagesVisible ${queue(ids.dlq)} Maximum`,
        `AWS/SQS ApproximateNumberOfMessagesVisible ${queue(ids.failures)} Maximum`,
      ]);
      expect(drawn("Ingest")).toEqual([
        `FactorSync UsersIngested ${ingest} Sum`,
        `FactorSync UsersSent ${ingest} Sum`,
        `FactorSync UsersUnchanged ${ingest} Sum`,
        `FactorSync UsersRejected ${ingest} Sum`,
        `FactorSync UsersFailedToSend ${ingest} Sum`,
      ]);
      expect(drawn("PUT latency")).toEqual(
        ["p50", "p90", "p99"].map((p) => `FactorSync PutLatency ${apply} ${p}`),
      );
      expect(drawn("Pacer wait")).toEqual(
        ["p50", "p99", "Maximum"].map((p) => `FactorSync PacerWait ${apply} ${p}`),
      );
      expect(drawn("Function errors")).toEqual([
        `AWS/Lambda Errors ${apply} Sum`,
        `AWS/Lambda Errors ${ingest} Sum`,
        `AWS/Lambda Throttles ${apply} Sum`,
        `AWS/Lambda Duration ${apply} p99`,
        `AWS/Lambda Duration ${ingest} Maximum`,
      ]);
    });

    it("shows every alarm's state", () => {
      expect(titled("Alarms").properties.alarms).toEqual(
        resourcesOfType(s.template, "AWS::CloudWatch::Alarm").map(([id]) => `<${id}.Arn>`),
      );
    });
  });

  describe("the alarms", () => {
    it("watch the DLQ, failed ingests, the oldest work message, apply errors and throttles, Auth0 unavailable, paused jobs, stalled ingests and dead-lettered continuations", () => {
      const alarms = resourcesOfType(s.template, "AWS::CloudWatch::Alarm").map(([, p]) => ({
        name: p.AlarmName,
        namespace: p.Namespace,
        metric: p.MetricName,
        dimensions: p.Dimensions,
        statistic: p.Statistic,
        period: p.Period,
        periods: [p.EvaluationPeriods, p.DatapointsToAlarm],
        threshold: p.Threshold,
        comparison: p.ComparisonOperator,
        missing: p.TreatMissingData,
      }));
      const queue = (id: string) => [{ Name: "QueueName", Value: getAtt(id, "QueueName") }];
      const fn = (id: string) => [{ Name: "FunctionName", Value: ref(id) }];
      const atLeast = "GreaterThanOrEqualToThreshold";
      // The stack's name, then the runbook entry's.
      const named = (id: string) => `FactorSync-${id}`;
      expect(alarms).toEqual([
        {
          name: named("DeadLetters"),
          namespace: "AWS/SQS",
          metric: "ApproximateNumberOfMessagesVisible",
          dimensions: queue(ids.dlq),
          statistic: "Maximum",
          period: 60,
          periods: [1, 1],
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          name: named("IngestFailures"),
          namespace: "AWS/SQS",
          metric: "ApproximateNumberOfMessagesVisible",
          dimensions: queue(ids.failures),
          statistic: "Maximum",
          period: 60,
          periods: [1, 1],
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          name: named("QueueAge"),
          namespace: "AWS/SQS",
          metric: "ApproximateAgeOfOldestMessage",
          dimensions: queue(ids.workQueue),
          statistic: "Maximum",
          period: 300,
          periods: [1, 1],
          threshold: 360 * 60,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          name: named("ApplyErrors"),
          namespace: "AWS/Lambda",
          metric: "Errors",
          dimensions: fn(ids.apply),
          statistic: "Sum",
          period: 300,
          periods: [1, 1],
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          name: named("ApplyThrottles"),
          namespace: "AWS/Lambda",
          metric: "Throttles",
          dimensions: fn(ids.apply),
          statistic: "Sum",
          period: 300,
          periods: [1, 1],
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          // Records held by the circuit breaker in every minute of 5 (minutes without data keep the state).
          name: named("Auth0Unavailable"),
          namespace: "FactorSync",
          metric: "HeldByCircuit",
          dimensions: fn(ids.apply),
          statistic: "Sum",
          period: 60,
          periods: [5, 5],
          threshold: 1,
          comparison: atLeast,
          missing: "ignore",
        },
        {
          name: named("JobPaused"),
          namespace: "FactorSync",
          metric: "HeldByConfiguration",
          dimensions: fn(ids.apply),
          statistic: "Sum",
          period: 60,
          periods: [1, 1],
          threshold: 1,
          comparison: atLeast,
          missing: "ignore",
        },
        {
          // Written by ingest's sweep every 5 minutes, 0 included.
          name: named("StalledIngest"),
          namespace: "FactorSync",
          metric: "StalledIngests",
          dimensions: fn(ids.ingest),
          statistic: "Maximum",
          period: 300,
          periods: [1, 1],
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          name: named("ContinuationDeadLetters"),
          namespace: "AWS/SQS",
          metric: "ApproximateNumberOfMessagesVisible",
          dimensions: queue(ids.controlDlq),
          statistic: "Maximum",
          period: 60,
          periods: [1, 1],
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
      ]);
    });

    it("say in each description what to do, naming the README runbook entry, which exists under that name", () => {
      const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
      const start = readme.indexOf("\n## Runbook\n");
      expect(start).toBeGreaterThan(0);
      const end = readme.indexOf("\n## ", start + 1);
      const runbook = readme.slice(start, end === -1 ? undefined : end);
      const alarms = resourcesOfType(s.template, "AWS::CloudWatch::Alarm");
      expect(alarms.map(([, p]) => p.AlarmName)).toEqual(ALARM_IDS.map((id) => `FactorSync-${id}`));
      for (const [index, [, alarm]] of alarms.entries()) {
        const id = ALARM_IDS[index] ?? "";
        const description = alarm.AlarmDescription as string;
        expect(description.endsWith(`Runbook: README, "Runbook", ${id}.`)).toBe(true);
        expect(description.length).toBeLessThanOrEqual(1024);
        expect(runbook).toContain(`\n### ${id}\n`);
      }
      // One entry per alarm, and no entry for an alarm that does not exist.
      expect([...runbook.matchAll(/^### (\w+)$/gm)].map((match) => match[1])).toEqual([...ALARM_IDS]);
    });

    it("notify no one without alarmEmail: no topic, no alarm action", () => {
      s.template.resourceCountIs("AWS::SNS::Topic", 0);
      for (const [, alarm] of resourcesOfType(s.template, "AWS::CloudWatch::Alarm")) {
        expect(alarm.AlarmActions).toBeUndefined();
      }
    });
  });

  it("outputs what the Deploy section and the dlq commands need", () => {
    expect(Object.keys(s.template.toJSON().Outputs ?? {})).toEqual([
      "BucketName",
      "AccessLogBucketName",
      "WorkQueueUrl",
      "WorkQueueArn",
      "DeadLetterQueueUrl",
      "DeadLetterQueueArn",
      "IngestFailureQueueUrl",
      "ControlQueueUrl",
      "Auth0SecretArn",
      "SyncKeySecretArn",
      "IngestFunctionName",
      "ApplyFunctionName",
      "JobsTableName",
      "DashboardUrl",
    ]);
    s.template.hasOutput("JobsTableName", { Value: ref(ids.jobs) });
    s.template.hasOutput("DeadLetterQueueArn", { Value: getAtt(ids.dlq) });
    s.template.hasOutput("Auth0SecretArn", { Value: ref(ids.secret) });
    s.template.hasOutput("SyncKeySecretArn", { Value: ref(s.logicalId(s.stack.syncKey)) });
  });

  it("warns at synth that the Auth0 domain is a placeholder", () => {
    s.annotations.hasWarning(
      "/FactorSync",
      Match.stringLikeRegexp(
        `auth0Domain is not set: the stack uses the placeholder "${PLACEHOLDER_AUTH0_DOMAIN}"`,
      ),
    );
  });
});

describe("FactorSyncStack with every setting given", () => {
  let s: SynthesizedStack;
  beforeAll(() => {
    s = synthesizeStack({
      auth0Domain: "acme.eu.auth0.com",
      auth0SecretArn: EXISTING_SECRET_ARN,
      rpsCeiling: "16",
      budgetShare: "0.5",
      maxConcurrency: "4",
      batchSize: "5",
      maxReceiveCount: "3",
      applyConcurrency: "20",
      sendConcurrency: "8",
      inputRetentionDays: "2",
      reportRetentionDays: "60",
      accessLogRetentionDays: "30",
      logRetentionDays: "90",
      logLevel: "debug",
      queueAgeAlarmMinutes: "120",
      outcomeTtlDays: "90",
      auth0UnavailableAlarmMinutes: "10",
      alarmEmail: "ops@example.com",
      defaultCountry: "DE",
      phoneCheck: "e164",
      maxRejected: "2.5 %",
    });
  });

  it("passes the settings to the functions' environment", () => {
    expect(propertiesOf(s.template, s.logicalId(s.stack.ingest.function)).Environment).toEqual({
      Variables: {
        QUEUE_URL: ref(s.logicalId(s.stack.workQueue)),
        REPORTS_PREFIX: "reports/",
        SEND_CONCURRENCY: "8",
        RPS_CEILING: "16",
        JOBS_TABLE: ref(s.logicalId(s.stack.jobsTable)),
        OUTCOME_TTL_DAYS: "90",
        LOG_LEVEL: "debug",
        DEFAULT_COUNTRY: "DE",
        AUTH0_DOMAIN: "acme.eu.auth0.com",
        SYNC_KEY_SECRET_ARN: ref(s.logicalId(s.stack.syncKey)),
        PHONE_CHECK: "e164",
        MAX_REJECTED: "2.5%",
        NODE_OPTIONS: "--enable-source-maps",
        CONTROL_QUEUE_URL: ref(s.logicalId(s.stack.continuation.controlQueue)),
        INGEST_TIMEOUT_SECONDS: "900",
      },
    });
    expect(propertiesOf(s.template, s.logicalId(s.stack.apply.function)).Environment).toEqual({
      Variables: {
        AUTH0_DOMAIN: "acme.eu.auth0.com",
        AUTH0_SECRET_ARN: EXISTING_SECRET_ARN,
        DLQ_URL: ref(s.logicalId(s.stack.deadLetterQueue)),
        MAX_RECEIVE_COUNT: "3",
        RPS_CEILING: "16",
        BUDGET_SHARE: "0.5",
        MAX_CONCURRENCY: "4",
        APPLY_CONCURRENCY: "20",
        JOBS_TABLE: ref(s.logicalId(s.stack.jobsTable)),
        OUTCOME_TTL_DAYS: "90",
        LOG_LEVEL: "debug",
        NODE_OPTIONS: "--enable-source-maps",
      },
    });
  });

  it("draws the ceiling given on the dashboard's rate graph", () => {
    const [dashboard] = resourcesOfType(s.template, "AWS::CloudWatch::Dashboard");
    const body = JSON.parse(renderJoin(dashboard?.[1].DashboardBody)) as {
      widgets: { properties: { title?: string; annotations?: { horizontal?: { value: number }[] } } }[];
    };
    const rate = body.widgets.find((widget) => widget.properties.title?.startsWith("Applied per second"));
    expect(rate?.properties.title).toBe("Applied per second (ceiling 16)");
    expect(rate?.properties.annotations?.horizontal?.map((line) => line.value)).toEqual([16]);
  });

  it("references the existing secret instead of creating one", () => {
    // The one secret left is the sync key, which the stack always generates.
    s.template.resourceCountIs("AWS::SecretsManager::Secret", 1);
    expect(propertiesOf(s.template, s.logicalId(s.stack.syncKey)).GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      IncludeSpace: false,
      PasswordLength: 64,
    });
    s.template.hasOutput("Auth0SecretArn", { Value: EXISTING_SECRET_ARN });
  });

  it("uses the batch size, concurrency and receive count given", () => {
    s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    s.template.hasResourceProperties("AWS::SQS::Queue", {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
    });
  });

  it("uses the retention periods given", () => {
    const rules = (
      propertiesOf(s.template, s.logicalId(s.stack.storage.bucket)).LifecycleConfiguration as {
        Rules: { Id: string; ExpirationInDays?: number }[];
      }
    ).Rules.map((rule) => [rule.Id, rule.ExpirationInDays]);
    expect(rules).toEqual([
      ["ExpireInput", 2],
      ["ExpireReports", 60],
      ["Housekeeping", undefined],
    ]);
    s.template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: { Rules: [Match.objectLike({ Id: "ExpireAccessLogs", ExpirationInDays: 30 })] },
    });
    for (const fn of [s.stack.ingest, s.stack.apply]) {
      expect(propertiesOf(s.template, s.logicalId(fn.logGroup))).toEqual({ RetentionInDays: 90 });
    }
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 120 * 60,
    });
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "HeldByCircuit",
      EvaluationPeriods: 10,
      DatapointsToAlarm: 10,
    });
  });

  it("sends every alarm to an SNS topic that is KMS-encrypted, TLS-only and subscribed by the email", () => {
    const topicId = s.logicalId(s.stack.alarms.topic ?? s.stack);
    const [topicKey] = resourcesOfType(s.template, "AWS::KMS::Key").filter(
      ([id]) => id !== s.logicalId(s.stack.key),
    );
    expect(topicKey?.[1]).toMatchObject({ EnableKeyRotation: true });
    expect(topicKey?.[1].KeyPolicy).toMatchObject({
      Statement: expect.arrayContaining([
        {
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Resource: "*",
        },
      ]),
    });
    expect(propertiesOf(s.template, topicId)).toEqual({ KmsMasterKeyId: getAtt(topicKey?.[0] ?? "") });
    s.template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [ref(topicId)],
      PolicyDocument: {
        Statement: [
          {
            Action: "sns:Publish",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
            Effect: "Deny",
            Principal: "*",
            Resource: ref(topicId),
            Sid: "AllowPublishThroughSSLOnly",
          },
        ],
      },
    });
    expect(resourcesOfType(s.template, "AWS::SNS::Subscription").map(([, p]) => p)).toEqual([
      { Endpoint: "ops@example.com", Protocol: "email", TopicArn: ref(topicId) },
    ]);
    const alarms = resourcesOfType(s.template, "AWS::CloudWatch::Alarm");
    expect(alarms).toHaveLength(ALARM_IDS.length);
    for (const [, alarm] of alarms) {
      expect(alarm.AlarmActions).toEqual([ref(topicId)]);
      // Also when it is over: Auth0 back, a paused job resumed.
      expect(alarm.OKActions).toEqual([ref(topicId)]);
    }
    s.template.hasOutput("AlarmTopicArn", { Value: ref(topicId) });
  });

  it("does not warn about the Auth0 domain", () => {
    s.annotations.hasNoWarning("*", Match.anyValue());
  });
});

describe.each([
  ["the defaults", {}],
  ["settings given", { maxReceiveCount: "7", maxConcurrency: "9" }],
])("apply's environment with %s", (_, context) => {
  let s: SynthesizedStack;
  let environment: Record<string, unknown>;
  let workQueue: Record<string, unknown>;
  beforeAll(() => {
    s = synthesizeStack(context);
    environment = (
      propertiesOf(s.template, s.logicalId(s.stack.apply.function)).Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    workQueue = propertiesOf(s.template, s.logicalId(s.stack.workQueue));
  });

  it("gives MAX_RECEIVE_COUNT the work queue's own maxReceiveCount, so apply dead-letters with a reason on the last allowed receive", () => {
    const redrive = workQueue.RedrivePolicy as { maxReceiveCount: number };
    expect(environment.MAX_RECEIVE_COUNT).toBe(String(redrive.maxReceiveCount));
  });

  it("gives MAX_CONCURRENCY the event source's own MaximumConcurrency, so the pacer splits the ceiling across real workers", () => {
    const mappings = resourcesOfType(s.template, "AWS::Lambda::EventSourceMapping").map(([, p]) => p);
    expect(mappings.map((mapping) => [mapping.FunctionName, mapping.EventSourceArn])).toEqual([
      [ref(s.logicalId(s.stack.ingest.function)), getAtt(s.logicalId(s.stack.continuation.controlQueue))],
      [ref(s.logicalId(s.stack.apply.function)), getAtt(s.logicalId(s.stack.workQueue))],
    ]);
    const scaling = mappings[1]?.ScalingConfig as { MaximumConcurrency: number };
    expect(environment.MAX_CONCURRENCY).toBe(String(scaling.MaximumConcurrency));
  });

  it("gives DLQ_URL the queue the work queue's redrive policy targets, so both kinds of dead letter end in one place", () => {
    const redrive = workQueue.RedrivePolicy as { deadLetterTargetArn: unknown };
    const dlq = s.logicalId(s.stack.deadLetterQueue);
    expect(redrive.deadLetterTargetArn).toEqual(getAtt(dlq));
    expect(environment.DLQ_URL).toEqual(ref(dlq));
  });
});
