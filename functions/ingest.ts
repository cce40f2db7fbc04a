import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { S3Event } from "aws-lambda";
import { buildOnce } from "../lib/config/buildOnce.js";
import { createIngestHandler, type IngestHandler } from "../lib/ingest/createIngestHandler.js";
import { createLogger } from "../lib/logging/Logger.js";
import type { IngestSummary } from "../lib/reports/IngestSummary.js";
import { readIngestConfig } from "./environment.js";

async function handlerFromEnvironment(): Promise<IngestHandler> {
  const { logLevel, ...config } = readIngestConfig(process.env);
  return createIngestHandler({
    s3: new S3Client({}),
    sqs: new SQSClient({}),
    config,
    logger: createLogger({ level: logLevel, base: { fn: "ingest" } }),
  });
}

const built = buildOnce(handlerFromEnvironment);

/** The Lambda entry point: reads the environment and builds its clients on the first call, once per container. */
export async function handler(event: S3Event): Promise<IngestSummary[]> {
  return (await built())(event);
}
