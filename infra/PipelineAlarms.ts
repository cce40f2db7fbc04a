import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** Options of {@link PipelineAlarms}. */
export interface PipelineAlarmsProps {
  workQueue: IQueue;
  deadLetterQueue: IQueue;
  /** Where failed ingest invocations are recorded. */
  ingestFailureQueue: IQueue;
  applyFunction: IFunction;
  /** Age of the oldest work-queue message that raises the alarm, minutes. */
  queueAgeAlarmMinutes: number;
  /** Email subscribed to the alarm topic. @default none: the alarms have no action */
  alarmEmail?: string;
}

/**
 * CloudWatch alarms on what needs a person: users in the DLQ, a failed ingest, a work queue that stops draining,
 * apply errors and throttles. With an email, they notify it through an encrypted, TLS-only SNS topic.
 */
export class PipelineAlarms extends Construct {
  readonly alarms: Alarm[];
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);

    const atLeastOne = (alarmId: string, metric: IMetric, description: string) =>
      new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // An idle queue or function publishes nothing: no data is good news, not an unknown state.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });

    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    this.alarms = [
      atLeastOne(
        "DeadLetters",
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: "Maximum",
        }),
        "Users failed and wait in the dead-letter queue: export them with `factor-sync dlq-export`, fix the cause, then `factor-sync dlq-redrive`.",
      ),
      atLeastOne(
        "IngestFailures",
        props.ingestFailureQueue.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: "Maximum",
        }),
        "An ingest invocation failed: the failure queue holds its S3 event and error. Fix the cause, then upload the file again.",
      ),
      new Alarm(this, "QueueAge", {
        metric: props.workQueue.metricApproximateAgeOfOldestMessage({
          period: fiveMinutes,
          statistic: "Maximum",
        }),
        threshold: props.queueAgeAlarmMinutes * 60,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `The oldest message on the work queue is ${props.queueAgeAlarmMinutes} minutes old: apply is not keeping up or not running.`,
      }),
      atLeastOne(
        "ApplyErrors",
        props.applyFunction.metricErrors({ period: fiveMinutes, statistic: "Sum" }),
        "The apply function failed whole invocations (crash or timeout): their messages return to the queue.",
      ),
      atLeastOne(
        "ApplyThrottles",
        props.applyFunction.metricThrottles({ period: fiveMinutes, statistic: "Sum" }),
        "The apply function was throttled: the account's concurrency is exhausted.",
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
    for (const alarm of this.alarms) alarm.addAlarmAction(action);
  }
}
