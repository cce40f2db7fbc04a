import { Duration, Stack } from "aws-cdk-lib";
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { countMetricName, METRIC } from "../lib/metrics/names.js";
import { pipelineMetric } from "./pipelineMetric.js";

/** Options of {@link PipelineDashboard}. */
export interface PipelineDashboardProps {
  ingestFunction: IFunction;
  applyFunction: IFunction;
  workQueue: IQueue;
  deadLetterQueue: IQueue;
  ingestFailureQueue: IQueue;
  /** The fleet's requests-per-second ceiling, drawn as a line on the rate graph. */
  rpsCeiling: number;
  /** Shown in a status row at the top. */
  alarms: Alarm[];
}

const WIDTH = 8;
const HEIGHT = 6;
const MINUTE = Duration.minutes(1);

/**
 * The CloudWatch dashboard to watch a migration on: applied per second against the ceiling, 429s and the lowest
 * `x-ratelimit-remaining`, failures and held records, the work queue's depth and age, the DLQ, ingest's users,
 * PUT latency and pacer waits, and both functions' errors and duration. Per-minute sums are drawn per second
 * (`m / PERIOD(m)`), so the graphs read the same whatever period the console picks.
 */
export class PipelineDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const apply = props.applyFunction;
    const ingest = props.ingestFunction;
    const { stackName } = Stack.of(this);
    const sum = (fn: IFunction, name: string, label: string) =>
      pipelineMetric(fn, name, "Sum", MINUTE, label);
    const perSecond = (metric: IMetric, label: string, variable: string) =>
      new MathExpression({
        expression: `${variable} / PERIOD(${variable})`,
        usingMetrics: { [variable]: metric },
        label,
        period: MINUTE,
      });
    const graph = (
      title: string,
      left: IMetric[],
      extra: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {},
    ) => new GraphWidget({ title, left, width: WIDTH, height: HEIGHT, ...extra });

    this.dashboard = new Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new TextWidget({
            markdown: [
              "### factor-sync",
              `Follow one job with \`npx factor-sync status <job> --stack ${stackName} --watch\`; list them with \`npx factor-sync jobs --stack ${stackName}\`.`,
              "Every alarm's description says what to do; the README's **Runbook** has one entry per alarm.",
            ].join("\n\n"),
            width: WIDTH,
            height: 4,
          }),
          new AlarmStatusWidget({ title: "Alarms", alarms: props.alarms, width: 2 * WIDTH, height: 4 }),
        ],
        [
          graph(
            `Applied per second (ceiling ${props.rpsCeiling})`,
            [
              perSecond(sum(apply, METRIC.putsApplied, "applied"), "applied / s", "applied"),
              new MathExpression({
                // A kind of PUT absent from a minute must count as 0, not blank the sum.
                expression: "(FILL(a, 0) + FILL(f, 0) + FILL(t, 0) + FILL(x, 0)) / PERIOD(a)",
                usingMetrics: {
                  a: sum(apply, METRIC.putsApplied, "applied"),
                  f: sum(apply, METRIC.putsFailed, "failed"),
                  t: sum(apply, METRIC.putsThrottled, "throttled"),
                  x: sum(apply, METRIC.putsTransient, "transient"),
                },
                label: "all PUTs / s",
                period: MINUTE,
              }),
            ],
            {
              leftAnnotations: [
                { value: props.rpsCeiling, label: `ceiling: ${props.rpsCeiling} requests/s` },
              ],
              leftYAxis: { min: 0 },
            },
          ),
          graph("429s and x-ratelimit-remaining", [sum(apply, METRIC.putsThrottled, "429s")], {
            right: [pipelineMetric(apply, METRIC.rateLimitRemaining, "Minimum", MINUTE, "lowest remaining")],
            leftYAxis: { min: 0 },
            rightYAxis: { min: 0 },
          }),
          graph(
            "Failures and held records",
            [
              sum(apply, METRIC.putsFailed, "PUTs failed (permanent)"),
              sum(apply, METRIC.putsTransient, "PUTs transient (5xx, timeout)"),
              sum(apply, countMetricName("deadLettered"), "dead-lettered"),
              sum(apply, countMetricName("heldByCircuit"), "held: Auth0 unavailable"),
              sum(apply, countMetricName("heldByConfiguration"), "held: configuration"),
            ],
            { leftYAxis: { min: 0 } },
          ),
        ],
        [
          graph(
            "Work queue",
            [
              props.workQueue.metricApproximateNumberOfMessagesVisible({
                period: MINUTE,
                statistic: "Maximum",
                label: "waiting",
              }),
              props.workQueue.metricApproximateNumberOfMessagesNotVisible({
                period: MINUTE,
                statistic: "Maximum",
                label: "in flight",
              }),
            ],
            {
              right: [
                props.workQueue.metricApproximateAgeOfOldestMessage({
                  period: MINUTE,
                  statistic: "Maximum",
                  label: "oldest message age (s)",
                }),
              ],
              leftYAxis: { min: 0 },
              rightYAxis: { min: 0 },
            },
          ),
          graph(
            "Dead letters",
            [
              props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                period: MINUTE,
                statistic: "Maximum",
                label: "DLQ depth",
              }),
              props.ingestFailureQueue.metricApproximateNumberOfMessagesVisible({
                period: MINUTE,
                statistic: "Maximum",
                label: "failed ingest invocations",
              }),
            ],
            { leftYAxis: { min: 0 } },
          ),
          graph(
            "Ingest: users",
            [
              sum(ingest, METRIC.usersIngested, "read"),
              sum(ingest, METRIC.usersSent, "sent"),
              sum(ingest, METRIC.usersUnchanged, "unchanged"),
              sum(ingest, METRIC.usersRejected, "rejected"),
              sum(ingest, METRIC.usersFailedToSend, "not sent"),
            ],
            { leftYAxis: { min: 0 } },
          ),
        ],
        [
          graph(
            "PUT latency (ms)",
            ["p50", "p90", "p99"].map((p) => pipelineMetric(apply, METRIC.putLatency, p, MINUTE, p)),
            { leftYAxis: { min: 0 } },
          ),
          graph(
            "Pacer wait (ms)",
            ["p50", "p99", "Maximum"].map((p) => pipelineMetric(apply, METRIC.pacerWait, p, MINUTE, p)),
            { leftYAxis: { min: 0 } },
          ),
          graph(
            "Function errors and duration",
            [
              apply.metricErrors({ period: MINUTE, statistic: "Sum", label: "apply errors" }),
              ingest.metricErrors({ period: MINUTE, statistic: "Sum", label: "ingest errors" }),
              apply.metricThrottles({ period: MINUTE, statistic: "Sum", label: "apply throttles" }),
            ],
            {
              right: [
                apply.metricDuration({ period: MINUTE, statistic: "p99", label: "apply p99 duration (ms)" }),
                ingest.metricDuration({
                  period: MINUTE,
                  statistic: "Maximum",
                  label: "ingest max duration (ms)",
                }),
              ],
              leftYAxis: { min: 0 },
              rightYAxis: { min: 0 },
            },
          ),
        ],
      ],
    });
  }
}
