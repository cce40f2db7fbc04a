import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createApplyDeps } from "../lib/apply/createApplyDeps.js";
import { type ApplyHandler, createApplyHandler } from "../lib/apply/createApplyHandler.js";
import { loadAuth0Credentials } from "../lib/auth0/credentials.js";
import { buildOnce } from "../lib/config/buildOnce.js";
import { awsClientOptions, CLIENT_TIMEOUTS } from "../lib/config/clientTimeouts.js";
import { ApplyJobs } from "../lib/jobs/ApplyJobs.js";
import { DynamoJobStore } from "../lib/jobs/DynamoJobStore.js";
import { createLogger } from "../lib/logging/Logger.js";
import { EmfMetrics } from "../lib/metrics/EmfMetrics.js";
import { functionDimensions } from "../lib/metrics/names.js";
import { ApplySync } from "../lib/sync/ApplySync.js";
import { SyncStateStore } from "../lib/sync/SyncStateStore.js";
import { tenantId } from "../lib/sync/tenantId.js";
import { readApplyEnvironment } from "./environment.js";

async function handlerFromEnvironment(): Promise<ApplyHandler> {
  const environment = readApplyEnvironment(process.env);
  const logger = createLogger({ level: environment.LOG_LEVEL, base: { fn: "apply" } });
  const secrets = new SecretsManagerClient(
    awsClientOptions({ maxAttempts: CLIENT_TIMEOUTS.secretsMaxAttempts }),
  );
  const deps = createApplyDeps(
    {
      auth0Domain: environment.AUTH0_DOMAIN,
      // Read at most every 5 minutes and after every failed token request: a fixed or rotated secret is
      // picked up without a redeploy, and an empty one holds the records instead of failing the invocation.
      credentials: () => loadAuth0Credentials(secrets, environment.AUTH0_SECRET_ARN),
      dlqUrl: environment.DLQ_URL,
      rpsCeiling: environment.RPS_CEILING,
      budgetShare: environment.BUDGET_SHARE,
      maxConcurrency: environment.MAX_CONCURRENCY,
      applyConcurrency: environment.APPLY_CONCURRENCY,
      maxReceiveCount: environment.MAX_RECEIVE_COUNT,
    },
    { sqs: new SQSClient(awsClientOptions()), logger },
  );
  const table = environment.JOBS_TABLE;
  if (table === undefined) logger.warn({}, "JOBS_TABLE is not set: outcomes are not recorded in jobs");
  const dynamo = new DynamoDBClient(awsClientOptions());
  const jobs =
    table === undefined
      ? undefined
      : new ApplyJobs({
          store: new DynamoJobStore({
            client: dynamo,
            tableName: table,
            outcomeTtlDays: environment.OUTCOME_TTL_DAYS,
          }),
          // The completion report goes next to the input, in the bucket each message names.
          s3: new S3Client(awsClientOptions()),
          logger,
        });
  // The sync state: claim before the PUT, the state after a 2xx (with the HMAC the message carries: no key here).
  const sync =
    table === undefined
      ? undefined
      : new ApplySync(new SyncStateStore({ client: dynamo, tableName: table }), {
          logger,
          // An unstamped message's 2xx clears the user's HMAC in this tenant (the next sync sends the user).
          tenant: tenantId(environment.AUTH0_DOMAIN),
        });
  const metrics = new EmfMetrics({ dimensions: functionDimensions(environment.AWS_LAMBDA_FUNCTION_NAME) });
  return createApplyHandler({
    ...deps,
    metrics,
    ...(jobs !== undefined ? { jobs } : {}),
    ...(sync !== undefined ? { sync } : {}),
  });
}

const built = buildOnce(handlerFromEnvironment);

/**
 * The Lambda entry point: built from the environment on the first call, then reused by the container (the
 * token cache and the pacer live as long as it); a failed build is not kept, the next invocation tries again.
 */
export const handler: ApplyHandler = async (event, context) => (await built())(event, context);
