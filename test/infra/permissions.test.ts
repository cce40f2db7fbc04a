import { beforeAll, describe, expect, it } from "vitest";
import { JOBS_TABLE_ACTIONS } from "../../infra/FactorSyncStack.js";
import type { PipelineFunction } from "../../infra/PipelineFunction.js";
import { propertiesOf, resourcesOfType, type SynthesizedStack, synthesizeStack } from "../helpers/infra.js";

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** A CloudFormation value as readable text: `{Ref: X}` → `X`, `{Fn::GetAtt: [X, Arn]}` → `X.Arn`, joins joined. */
function render(value: unknown): string {
  if (typeof value === "string") return value;
  const object = value as Record<string, unknown>;
  if ("Ref" in object) return String(object.Ref);
  if ("Fn::GetAtt" in object) return (object["Fn::GetAtt"] as string[]).join(".");
  if ("Fn::Join" in object) {
    const [separator, parts] = object["Fn::Join"] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** Every permission a role holds, as sorted, de-duplicated "action on resource" lines. */
function permissionsOf(s: SynthesizedStack, fn: PipelineFunction): string[] {
  const roleRef = { Ref: s.logicalId(fn.role) };
  const lines = new Set<string>();
  for (const [, policy] of resourcesOfType(s.template, "AWS::IAM::Policy")) {
    const roles = policy.Roles as unknown[];
    if (!roles.some((role) => JSON.stringify(role) === JSON.stringify(roleRef))) continue;
    for (const statement of (policy.PolicyDocument as { Statement: Statement[] }).Statement) {
      expect(statement.Effect).toBe("Allow");
      expect(statement.Condition).toBeUndefined();
      const actions = [statement.Action].flat();
      const resources = [statement.Resource].flat();
      for (const action of actions)
        for (const resource of resources) lines.add(`${action} on ${render(resource)}`);
    }
  }
  return [...lines].sort();
}

describe("IAM permissions", () => {
  let s: SynthesizedStack;
  let id: Record<
    | "key"
    | "bucket"
    | "workQueue"
    | "dlq"
    | "failures"
    | "secret"
    | "syncKey"
    | "ingestLogs"
    | "applyLogs"
    | "jobs"
    | "control",
    string
  >;
  beforeAll(() => {
    s = synthesizeStack();
    id = {
      key: s.logicalId(s.stack.key),
      bucket: s.logicalId(s.stack.storage.bucket),
      workQueue: s.logicalId(s.stack.workQueue),
      dlq: s.logicalId(s.stack.deadLetterQueue),
      failures: s.logicalId(s.stack.ingestFailureQueue),
      secret: s.logicalId(s.stack.secret),
      syncKey: s.logicalId(s.stack.syncKey),
      ingestLogs: s.logicalId(s.stack.ingest.logGroup),
      applyLogs: s.logicalId(s.stack.apply.logGroup),
      jobs: s.logicalId(s.stack.jobsTable),
      control: s.logicalId(s.stack.continuation.controlQueue),
    };
  });

  /** The jobs table's agreed actions, on its ARN only, and the key use its items need. */
  const jobsTable = () => [
    `dynamodb:BatchGetItem on ${id.jobs}.Arn`,
    `dynamodb:BatchWriteItem on ${id.jobs}.Arn`,
    `dynamodb:ConditionCheckItem on ${id.jobs}.Arn`,
    `dynamodb:GetItem on ${id.jobs}.Arn`,
    `dynamodb:PutItem on ${id.jobs}.Arn`,
    `dynamodb:Query on ${id.jobs}.Arn`,
    `dynamodb:UpdateItem on ${id.jobs}.Arn`,
    // Reading and writing items of a table encrypted with the customer-managed key.
    `kms:DescribeKey on ${id.key}.Arn`,
    `kms:Encrypt on ${id.key}.Arn`,
  ];

  it("let ingest read input files (the exact version each event names), write reports, send to the work queue, read the sync key, record its failures, use the jobs table and continue through the control queue: nothing else", () => {
    expect(permissionsOf(s, s.stack.ingest)).toEqual(
      [
        ...jobsTable(),
        `kms:Decrypt on ${id.key}.Arn`,
        `kms:GenerateDataKey on ${id.key}.Arn`,
        `logs:CreateLogStream on ${id.ingestLogs}.Arn`,
        `logs:PutLogEvents on ${id.ingestLogs}.Arn`,
        `s3:AbortMultipartUpload on ${id.bucket}.Arn/reports/*`,
        `s3:GetObject on ${id.bucket}.Arn/incoming/*`,
        `s3:GetObjectVersion on ${id.bucket}.Arn/incoming/*`,
        `s3:PutObject on ${id.bucket}.Arn/reports/*`,
        // An ingest's own state across invocations (pass 1's table, report parts): read back, then deleted.
        `s3:DeleteObject on ${id.bucket}.Arn/reports/.ingest/*`,
        `s3:GetObject on ${id.bucket}.Arn/reports/.ingest/*`,
        // The sync state's HMAC key: ingest only (apply writes the HMAC its message carries).
        `secretsmanager:GetSecretValue on ${id.syncKey}`,
        `sqs:SendMessage on ${id.failures}.Arn`,
        `sqs:SendMessage on ${id.workQueue}.Arn`,
        // The control queue: ingest sends the next continuation and consumes them (its event source).
        `sqs:ChangeMessageVisibility on ${id.control}.Arn`,
        `sqs:DeleteMessage on ${id.control}.Arn`,
        `sqs:GetQueueAttributes on ${id.control}.Arn`,
        `sqs:GetQueueUrl on ${id.control}.Arn`,
        `sqs:ReceiveMessage on ${id.control}.Arn`,
        `sqs:SendMessage on ${id.control}.Arn`,
      ].sort(),
    );
  });

  it("let apply consume the work queue, dead-letter, read the Auth0 secret, use the jobs table and write the completion report: nothing else", () => {
    expect(permissionsOf(s, s.stack.apply)).toEqual(
      [
        ...jobsTable(),
        // The completion report: reports/<key>.result.json and .failures.csv (streamed, multipart when large).
        `s3:AbortMultipartUpload on ${id.bucket}.Arn/reports/*`,
        `s3:PutObject on ${id.bucket}.Arn/reports/*`,
        // Receiving from the work queue, reading the secret, and SendMessage to the DLQ all decrypt with the key.
        `kms:Decrypt on ${id.key}.Arn`,
        // SendMessage to the (encrypted) DLQ and work queue.
        `kms:GenerateDataKey on ${id.key}.Arn`,
        `logs:CreateLogStream on ${id.applyLogs}.Arn`,
        `logs:PutLogEvents on ${id.applyLogs}.Arn`,
        // loadAuth0Credentials, once per container.
        `secretsmanager:GetSecretValue on ${id.secret}`,
        // SqsApplyQueue.delayRedelivery: ChangeMessageVisibilityBatch is authorized as ChangeMessageVisibility.
        `sqs:ChangeMessageVisibility on ${id.workQueue}.Arn`,
        // The event source polls with the function's role (CDK's grantConsumeMessages adds GetQueueUrl too).
        `sqs:DeleteMessage on ${id.workQueue}.Arn`,
        `sqs:GetQueueAttributes on ${id.workQueue}.Arn`,
        `sqs:GetQueueUrl on ${id.workQueue}.Arn`,
        `sqs:ReceiveMessage on ${id.workQueue}.Arn`,
        // SqsApplyQueue.deadLetter.
        `sqs:SendMessage on ${id.dlq}.Arn`,
        // SqsApplyQueue.requeue: a record that met only 429s goes back to the work queue.
        `sqs:SendMessage on ${id.workQueue}.Arn`,
      ].sort(),
    );
  });

  it("grant no wildcard action, and a wildcard resource only for object keys under one prefix", () => {
    const lines = [...permissionsOf(s, s.stack.ingest), ...permissionsOf(s, s.stack.apply)];
    for (const line of lines) expect(line.split(" on ")[0]).not.toContain("*");
    expect(lines.filter((line) => line.includes("*")).sort()).toEqual([
      `s3:AbortMultipartUpload on ${id.bucket}.Arn/reports/*`,
      `s3:AbortMultipartUpload on ${id.bucket}.Arn/reports/*`,
      `s3:DeleteObject on ${id.bucket}.Arn/reports/.ingest/*`,
      `s3:GetObject on ${id.bucket}.Arn/incoming/*`,
      `s3:GetObject on ${id.bucket}.Arn/reports/.ingest/*`,
      `s3:GetObjectVersion on ${id.bucket}.Arn/incoming/*`,
      `s3:PutObject on ${id.bucket}.Arn/reports/*`,
      `s3:PutObject on ${id.bucket}.Arn/reports/*`,
    ]);
  });

  it("grant both functions exactly the jobs table actions agreed across the issues, on the table only", () => {
    const dynamodb = (fn: PipelineFunction) =>
      permissionsOf(s, fn)
        .filter((line) => line.startsWith("dynamodb:"))
        .map((line) => line.split(" on "));
    for (const fn of [s.stack.ingest, s.stack.apply]) {
      expect(dynamodb(fn).map(([action]) => action)).toEqual([...JOBS_TABLE_ACTIONS].sort());
      // No index: the table's ARN, never `/index/*` or a wildcard.
      expect(new Set(dynamodb(fn).map(([, resource]) => resource))).toEqual(new Set([`${id.jobs}.Arn`]));
    }
    expect([...JOBS_TABLE_ACTIONS].sort()).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
  });

  it("give the functions roles of their own, with no managed policy, that only Lambda can assume", () => {
    for (const fn of [s.stack.ingest, s.stack.apply]) {
      const role = propertiesOf(s.template, s.logicalId(fn.role));
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(role.Policies).toBeUndefined();
      expect(role.AssumeRolePolicyDocument).toEqual({
        Statement: [
          { Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" } },
        ],
        Version: "2012-10-17",
      });
    }
    expect(s.stack.ingest.role).not.toBe(s.stack.apply.role);
  });

  it("grant GetSecretValue on the referenced secret's ARN when one is given", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:factor-sync/auth0-AbCdEf";
    const withSecret = synthesizeStack({ auth0SecretArn: arn });
    expect(permissionsOf(withSecret, withSecret.stack.apply)).toContain(
      `secretsmanager:GetSecretValue on ${arn}`,
    );
    expect(
      permissionsOf(withSecret, withSecret.stack.apply).filter((line) => line.startsWith("secretsmanager")),
    ).toEqual([`secretsmanager:GetSecretValue on ${arn}`]);
  });
});
