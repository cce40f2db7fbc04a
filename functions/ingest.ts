import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { S3Event } from "aws-lambda";
import { buildOnce } from "../lib/config/buildOnce.js";
import { createIngestHandler, type IngestHandler } from "../lib/ingest/createIngestHandler.js";
import { createLogger } from "../lib/logging/Logger.js";
import type { IngestSummary } from "../lib/reports/IngestSummary.js";
import { SyncStateStore } from "../lib/sync/SyncStateStore.js";
import { loadSyncKey } from "../lib/sync/syncKey.js";
import { tenantId } from "../lib/sync/tenantId.js";
import { readIngestConfig } from "./environment.js";

async function handlerFromEnvironment(): Promise<IngestHandler> {
  const { logLevel, sync, ...config } = readIngestConfig(process.env);
  return createIngestHandler({
    s3: new S3Client({}),
    sqs: new SQSClient({}),
    config,
    logger: createLogger({ level: logLevel, base: { fn: "ingest" } }),
    ...(sync !== undefined
      ? {
          sync: {
            store: new SyncStateStore({ client: new DynamoDBClient({}), tableName: sync.tableName }),
            key: await loadSyncKey(new SecretsManagerClient({}), sync.keySecretArn),
            tenant: tenantId(sync.auth0Domain),
          },
        }
      : {}),
  });
}

const built = buildOnce(handlerFromEnvironment);

/** The Lambda entry point: reads the environment and builds its clients on the first call, once per container. */
export async function handler(event: S3Event): Promise<IngestSummary[]> {
  return (await built())(event);
}
