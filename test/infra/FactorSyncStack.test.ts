import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { PLACEHOLDER_AUTH0_DOMAIN } from "../../infra/config.js";
import { PIPELINE_DEFAULTS } from "../../lib/config/defaults.js";
import { propertiesOf, resourcesOfType, type SynthesizedStack, synthesizeStack } from "../helpers/infra.js";

const getAtt = (logicalId: string, attribute = "Arn") => ({ "Fn::GetAtt": [logicalId, attribute] });
const ref = (logicalId: string) => ({ Ref: logicalId });
const objectsUnder = (bucketId: string, prefix: string) => ({
  "Fn::Join": ["", [getAtt(bucketId), `/${prefix}`]],
});

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
      ]);
    });
  });

  describe("the queues", () => {
    it("encrypt the work queue, the DLQ and the ingest failure queue with the customer-managed key", () => {
      for (const id of [ids.workQueue, ids.dlq, ids.failures]) {
        expect(propertiesOf(s.template, id).KmsMasterKeyId).toEqual(getAtt(ids.key));
      }
      s.template.resourceCountIs("AWS::SQS::Queue", 3);
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
      for (const id of [ids.workQueue, ids.dlq, ids.failures]) {
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
          LOG_LEVEL: "info",
          AUTH0_DOMAIN: PLACEHOLDER_AUTH0_DOMAIN,
          SYNC_KEY_SECRET_ARN: ref(s.logicalId(s.stack.syncKey)),
          NODE_OPTIONS: "--enable-source-maps",
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

    it("feed apply from the work queue with partial batch failures, a batch size, a batching window and MaximumConcurrency", () => {
      expect(resourcesOfType(s.template, "AWS::Lambda::EventSourceMapping").map(([, p]) => p)).toEqual([
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

  describe("the alarms", () => {
    it("watch the DLQ, failed ingests, the oldest work message, apply errors and throttles", () => {
      const alarms = resourcesOfType(s.template, "AWS::CloudWatch::Alarm").map(([, p]) => ({
        metric: p.MetricName,
        dimensions: p.Dimensions,
        statistic: p.Statistic,
        period: p.Period,
        threshold: p.Threshold,
        comparison: p.ComparisonOperator,
        missing: p.TreatMissingData,
      }));
      const queue = (id: string) => [{ Name: "QueueName", Value: getAtt(id, "QueueName") }];
      const fn = (id: string) => [{ Name: "FunctionName", Value: ref(id) }];
      const atLeast = "GreaterThanOrEqualToThreshold";
      expect(alarms).toEqual([
        {
          metric: "ApproximateNumberOfMessagesVisible",
          dimensions: queue(ids.dlq),
          statistic: "Maximum",
          period: 60,
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          metric: "ApproximateNumberOfMessagesVisible",
          dimensions: queue(ids.failures),
          statistic: "Maximum",
          period: 60,
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          metric: "ApproximateAgeOfOldestMessage",
          dimensions: queue(ids.workQueue),
          statistic: "Maximum",
          period: 300,
          threshold: 360 * 60,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          metric: "Errors",
          dimensions: fn(ids.apply),
          statistic: "Sum",
          period: 300,
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
        {
          metric: "Throttles",
          dimensions: fn(ids.apply),
          statistic: "Sum",
          period: 300,
          threshold: 1,
          comparison: atLeast,
          missing: "notBreaching",
        },
      ]);
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
      "Auth0SecretArn",
      "SyncKeySecretArn",
      "IngestFunctionName",
      "ApplyFunctionName",
    ]);
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
        LOG_LEVEL: "debug",
        DEFAULT_COUNTRY: "DE",
        AUTH0_DOMAIN: "acme.eu.auth0.com",
        SYNC_KEY_SECRET_ARN: ref(s.logicalId(s.stack.syncKey)),
        PHONE_CHECK: "e164",
        MAX_REJECTED: "2.5%",
        NODE_OPTIONS: "--enable-source-maps",
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
        LOG_LEVEL: "debug",
        NODE_OPTIONS: "--enable-source-maps",
      },
    });
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
    expect(alarms).toHaveLength(5);
    for (const [, alarm] of alarms) expect(alarm.AlarmActions).toEqual([ref(topicId)]);
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
      [ref(s.logicalId(s.stack.apply.function)), getAtt(s.logicalId(s.stack.workQueue))],
    ]);
    const scaling = mappings[0]?.ScalingConfig as { MaximumConcurrency: number };
    expect(environment.MAX_CONCURRENCY).toBe(String(scaling.MaximumConcurrency));
  });

  it("gives DLQ_URL the queue the work queue's redrive policy targets, so both kinds of dead letter end in one place", () => {
    const redrive = workQueue.RedrivePolicy as { deadLetterTargetArn: unknown };
    const dlq = s.logicalId(s.stack.deadLetterQueue);
    expect(redrive.deadLetterTargetArn).toEqual(getAtt(dlq));
    expect(environment.DLQ_URL).toEqual(ref(dlq));
  });
});
