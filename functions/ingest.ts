import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, S3Event, ScheduledEvent, SQSEvent } from "aws-lambda";
import { buildOnce } from "../lib/config/buildOnce.js";
import { createIngestHandler, type IngestHandler } from "../lib/ingest/createIngestHandler.js";
import { DynamoCheckpointStore } from "../lib/jobs/DynamoCheckpointStore.js";
import { DynamoJobStore } from "../lib/jobs/DynamoJobStore.js";
import { createLogger } from "../lib/logging/Logger.js";
import type { IngestSummary } from "../lib/reports/IngestSummary.js";
import { readIngestConfig } from "./environment.js";

async function handlerFromEnvironment(): Promise<IngestHandler> {
  const { logLevel, jobs, ...config } = readIngestConfig(process.env);
  const sqs = new SQSClient({});
  const dynamodb = jobs !== undefined ? new DynamoDBClient({}) : undefined;
  return createIngestHandler({
    s3: new S3Client({}),
    sqs,
    config,
    logger: createLogger({ level: logLevel, base: { fn: "ingest" } }),
    ...(jobs !== undefined && dynamodb !== undefined
      ? {
          jobs: {
            store: new DynamoJobStore({ client: dynamodb, tableName: jobs.tableName }),
            checkpoints: new DynamoCheckpointStore({ client: dynamodb, tableName: jobs.tableName }),
            controlQueueUrl: jobs.controlQueueUrl,
            functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "ingest",
          },
        }
      : {}),
  });
}

const built = buildOnce(handlerFromEnvironment);

/**
 * The Lambda entry point: reads the environment and builds its clients on the first call, once per container. An
 * S3 event starts an ingest, a control-queue event continues one, a scheduled event sweeps for stalled ones.
 */
export async function handler(
  event: S3Event | SQSEvent | ScheduledEvent,
  context?: Context,
): Promise<IngestSummary[]> {
  return (await built())(event, context);
}
