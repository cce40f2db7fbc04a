import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { S3Event, ScheduledEvent, SQSEvent } from "aws-lambda";
import { buildOnce } from "../lib/config/buildOnce.js";
import { awsClientOptions, CLIENT_TIMEOUTS } from "../lib/config/clientTimeouts.js";
import {
  createIngestHandler,
  type IngestContext,
  type IngestHandler,
} from "../lib/ingest/createIngestHandler.js";
import { DynamoCheckpointStore } from "../lib/jobs/DynamoCheckpointStore.js";
import { DynamoJobStore } from "../lib/jobs/DynamoJobStore.js";
import { createLogger } from "../lib/logging/Logger.js";
import { EmfMetrics } from "../lib/metrics/EmfMetrics.js";
import { functionDimensions } from "../lib/metrics/names.js";
import type { IngestSummary } from "../lib/reports/IngestSummary.js";
import { SyncStateStore } from "../lib/sync/SyncStateStore.js";
import { loadSyncKey } from "../lib/sync/syncKey.js";
import { requireSyncSettings } from "../lib/sync/syncSettings.js";
import { tenantId } from "../lib/sync/tenantId.js";
import { readIngestConfig } from "./environment.js";

async function handlerFromEnvironment(): Promise<IngestHandler> {
  const {
    logLevel,
    functionName,
    jobsTable,
    controlQueueUrl,
    timeoutSeconds,
    rpsCeiling,
    syncKeySecretArn,
    auth0Domain,
    ...config
  } = readIngestConfig(process.env);
  const logger = createLogger({ level: logLevel, base: { fn: "ingest" } });
  if (jobsTable === undefined) logger.warn({}, "JOBS_TABLE is not set: uploads are not tracked as jobs");
  else if (controlQueueUrl === undefined) {
    logger.warn({}, "CONTROL_QUEUE_URL is not set: an ingest must finish within one invocation");
  }
  const dynamo = new DynamoDBClient(awsClientOptions());
  // With a jobs table the sync state is required: a missing key or domain fails the build, it does not turn it off.
  const syncSettings = requireSyncSettings({ jobsTable, syncKeySecretArn, auth0Domain });
  return createIngestHandler({
    s3: new S3Client(awsClientOptions({ requestTimeoutMs: CLIENT_TIMEOUTS.ingestS3RequestMs })),
    sqs: new SQSClient(awsClientOptions()),
    config,
    logger,
    metrics: new EmfMetrics({ dimensions: functionDimensions(functionName) }),
    ...(jobsTable !== undefined
      ? {
          jobs: {
            store: new DynamoJobStore({ client: dynamo, tableName: jobsTable }),
            rpsCeiling,
            ...(controlQueueUrl !== undefined
              ? {
                  continuation: {
                    checkpoints: new DynamoCheckpointStore({ client: dynamo, tableName: jobsTable }),
                    controlQueueUrl,
                    timeoutMs: timeoutSeconds * 1000,
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(syncSettings !== undefined
      ? {
          sync: {
            store: new SyncStateStore({ client: dynamo, tableName: syncSettings.jobsTable }),
            // Once per container: the key never changes under a running stack.
            key: await loadSyncKey(
              new SecretsManagerClient(awsClientOptions()),
              syncSettings.syncKeySecretArn,
            ),
            tenant: tenantId(syncSettings.auth0Domain),
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
  context?: IngestContext,
): Promise<IngestSummary[]> {
  return (await built())(event, context);
}
