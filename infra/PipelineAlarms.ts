import { Duration, Stack } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { countMetricName, METRIC } from "../lib/metrics/names.js";
import { pipelineMetric } from "./pipelineMetric.js";

/** Options of {@link PipelineAlarms}. */
export interface PipelineAlarmsProps {
  workQueue: IQueue;
  deadLetterQueue: IQueue;
  /** Where failed ingest invocations are recorded. */
  ingestFailureQueue: IQueue;
  applyFunction: IFunction;
  /** The ingest function: its stalled-ingest sweep emits `StalledIngests`. */
  ingestFunction: IFunction;
  /** Continuations of an ingest that failed three times (the control queue's dead-letter queue). */
  controlDeadLetterQueue: IQueue;
  /** Age of the oldest work-queue message that raises the alarm, minutes. */
  queueAgeAlarmMinutes: number;
  /** Minutes of records held by the circuit breaker (Auth0 unavailable) that raise the alarm. */
  auth0UnavailableAlarmMinutes: number;
  /** Email subscribed to the alarm topic. @default none: the alarms have no action */
  alarmEmail?: string;
}

/** The alarms, by construct id: each is also the alarm's name after the stack's, and its entry in the README's runbook. */
export const ALARM_IDS = [
  "DeadLetters",
  "IngestFailures",
  "QueueAge",
  "ApplyErrors",
  "ApplyThrottles",
  "Auth0Unavailable",
  "JobPaused",
  "StalledIngest",
  "ContinuationDeadLetters",
] as const;

/** One of {@link ALARM_IDS}. */
export type AlarmId = (typeof ALARM_IDS)[number];

/**
 * CloudWatch alarms on what needs a person: users in the DLQ, a failed ingest, a work queue that stops draining,
 * apply errors and throttles, Auth0 unavailable, a job paused by a configuration error, an ingest whose
 * continuation was lost or failed (issue 14). Each is named
 * `<stack>-<id>` and its description says what to do, pointing at the README's runbook entry of the same name.
 * With an email, they notify it through an encrypted, TLS-only SNS topic.
 */
export class PipelineAlarms extends Construct {
  readonly alarms: Alarm[];
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    const alarm = (
      alarmId: AlarmId,
      metric: IMetric,
      threshold: number,
      description: string,
      options: { periods?: number; missing?: TreatMissingData } = {},
    ) =>
      new Alarm(this, alarmId, {
        alarmName: `${stackName}-${alarmId}`,
        metric,
        threshold,
        evaluationPeriods: options.periods ?? 1,
        datapointsToAlarm: options.periods ?? 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // An idle queue or function publishes nothing: no data is good news, not an unknown state.
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
        alarmDescription: `${description} Runbook: README, "Runbook", ${alarmId}.`,
      });

    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    const apply = props.applyFunction;
    this.alarms = [
      alarm(
        "DeadLetters",
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: "Maximum",
        }),
        1,
        "Users failed and wait in the dead-letter queue with their reason: `factor-sync dlq-export` lists them, fix the cause (users missing in Auth0, invalid data), then `factor-sync dlq-redrive`.",
      ),
      alarm(
        "IngestFailures",
        props.ingestFailureQueue.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: "Maximum",
        }),
        1,
        "An ingest invocation failed and was not retried: the ingest failure queue holds its S3 event and error. Read it, fix the cause, then upload the file again.",
      ),
      alarm(
        "QueueAge",
        props.workQueue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: "Maximum" }),
        props.queueAgeAlarmMinutes * 60,
        `The oldest message on the work queue is ${props.queueAgeAlarmMinutes} minutes old: apply is not keeping up or not running. On the dashboard, compare the applied rate with the ceiling and look for apply errors, 429s or held records.`,
      ),
      alarm(
        "ApplyErrors",
        apply.metricErrors({ period: fiveMinutes, statistic: "Sum" }),
        1,
        "Apply invocations failed whole (a crash, a timeout, an unreadable secret); their messages return to the queue. Find the error in the apply log group by its request id and fix it.",
      ),
      alarm(
        "ApplyThrottles",
        apply.metricThrottles({ period: fiveMinutes, statistic: "Sum" }),
        1,
        "Lambda throttled the apply function: the account's concurrency is exhausted. Lower maxConcurrency or raise the account's Lambda concurrency quota.",
      ),
      alarm(
        "Auth0Unavailable",
        pipelineMetric(apply, countMetricName("heldByCircuit"), "Sum", minute),
        1,
        `Apply's circuit breaker has held records for ${props.auth0UnavailableAlarmMinutes} minutes: Auth0 answers with 5xx, timeouts or connection errors. Nothing is dead-lettered and nothing is lost; check Auth0's status page and the tenant's logs. Apply resumes by itself when Auth0 answers.`,
        // Held records come back only every few minutes: a minute without data keeps the state it has.
        { periods: props.auth0UnavailableAlarmMinutes, missing: TreatMissingData.IGNORE },
      ),
      alarm(
        "JobPaused",
        pipelineMetric(apply, countMetricName("heldByConfiguration"), "Sum", minute),
        1,
        'Records are held by a configuration error (the token endpoint refused the client, a missing scope, an empty or wrong secret) and their job is paused with the reason (factor-sync jobs --stack NAME); nothing is dead-lettered. The apply logs ("configuration error") name the problem; fix the secret or the grant, and apply and the job resume by themselves within minutes.',
        { missing: TreatMissingData.IGNORE },
      ),
      alarm(
        "StalledIngest",
        // The sweep runs every 5 minutes and always writes a value (0 too).
        pipelineMetric(props.ingestFunction, METRIC.stalledIngests, "Maximum", fiveMinutes),
        1,
        'An ingest saved a checkpoint that no invocation took up within twice the function\'s timeout: its continuation was lost. The ingest log names the job ("ingest stalled"); `factor-sync status <job> --stack NAME` shows it. Send its continuation again or upload the file again.',
      ),
      alarm(
        "ContinuationDeadLetters",
        props.controlDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: "Maximum",
        }),
        1,
        "A continuation of an ingest failed three times and was dead-lettered: the ingest logs of its job say why. Fix the cause, then move the message back to the control queue (it resumes from the job's checkpoint) or upload the file again.",
      ),
    ];

    if (props.alarmEmail === undefined) return;

    // A key of its own: CloudWatch must be able to use it, and the data key should answer to no service but ours.
    const topicKey = new Key(this, "TopicKey", {
      enableKeyRotation: true,
      description: "factor-sync alarm topic",
    });
    topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        // As SNS documents for AWS services publishing to an encrypted topic.
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
      }),
    );
    this.topic = new Topic(this, "Topic", { masterKey: topicKey, enforceSSL: true });
    this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    for (const each of this.alarms) {
      each.addAlarmAction(action);
      // Say when it is over too: a paused job that resumed, Auth0 back.
      each.addOkAction(action);
    }
  }
}
