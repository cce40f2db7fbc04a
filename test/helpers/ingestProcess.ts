/**
 * One ingest invocation in a process of its own, so that a test can kill it (SIGKILL) in the middle of sending:
 * a Lambda container that dies between checkpoints. It reaches the parent's emulators over their loopback ports.
 * Run as `node --import tsx test/helpers/ingestProcess.ts '<IngestProcessInput as JSON>'`.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { createIngestHandler } from "../../lib/ingest/createIngestHandler.js";
import { DynamoCheckpointStore } from "../../lib/jobs/DynamoCheckpointStore.js";
import { DynamoJobStore } from "../../lib/jobs/DynamoJobStore.js";
import { LOCAL_CREDENTIALS, LOCAL_RESOURCES } from "../../lib/local/LocalAws.js";
import { silentLogger } from "../../lib/logging/Logger.js";

/** What the process is told. */
export interface IngestProcessInput {
  /** fauxqs (S3 and SQS). */
  awsEndpoint: string;
  /** dynalite. */
  dynamoEndpoint: string;
  tableName: string;
  workQueueUrl: string;
  controlQueueUrl: string;
  event: SQSEvent;
  /** Time left, in looks at the clock (one a user), as the tests' counting context. */
  budget: number;
  marginMs: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? "{}") as IngestProcessInput;
  const config = { region: LOCAL_RESOURCES.region, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...config, endpoint: input.dynamoEndpoint });
  const handler = createIngestHandler({
    s3: new S3Client({ ...config, endpoint: input.awsEndpoint, forcePathStyle: true }),
    sqs: new SQSClient({ ...config, endpoint: input.awsEndpoint }),
    logger: silentLogger,
    config: { queueUrl: input.workQueueUrl, reportsPrefix: "reports/", sendConcurrency: 10 },
    jobs: {
      store: new DynamoJobStore({ client: dynamodb, tableName: input.tableName }),
      continuation: {
        checkpoints: new DynamoCheckpointStore({ client: dynamodb, tableName: input.tableName }),
        controlQueueUrl: input.controlQueueUrl,
        marginMs: input.marginMs,
      },
    },
  });
  let looks = 0;
  await handler(input.event, { getRemainingTimeInMillis: () => input.budget - ++looks });
}

await main();
