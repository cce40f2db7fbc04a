import type { Duration } from "aws-cdk-lib";
import { Metric } from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { FUNCTION_DIMENSION, METRICS_NAMESPACE } from "../lib/metrics/names.js";

/**
 * One of the metrics a function emits as EMF (`lib/metrics/`): the factor-sync namespace, the function's name
 * as the only dimension, as `EmfMetrics` writes them.
 *
 * @example
 * pipelineMetric(apply.function, METRIC.putsApplied, "Sum", Duration.minutes(1));
 */
export function pipelineMetric(
  fn: IFunction,
  metricName: string,
  statistic: string,
  period: Duration,
  label?: string,
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [FUNCTION_DIMENSION]: fn.functionName },
    statistic,
    period,
    ...(label === undefined ? {} : { label }),
  });
}
