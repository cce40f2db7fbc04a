import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import { JobsTableNotActiveError } from "./errors.js";

/**
 * Creates the jobs table as the stack defines it (`pk`/`sk` strings, on demand), unless it exists. For the local
 * runtime: on AWS the stack owns the table. Returns once the table is ACTIVE.
 *
 * @throws {@link JobsTableNotActiveError} when it is still not ACTIVE after `wait.tries` looks (500, 10 ms apart).
 * @example
 * await createJobsTable(client, "factor-sync-jobs");
 */
export async function createJobsTable(
  client: DynamoDBClient,
  tableName: string,
  wait: { tries?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<void> {
  const { tries = 500, sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms)) } = wait;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // A new table answers writes only once ACTIVE; dynalite gets there a moment after CreateTable returns, and a
  // write in that moment fails with ResourceNotFoundException (seen under load).
  let status = "unknown";
  for (let tried = 0; tried < tries; tried++) {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    status = described.Table?.TableStatus ?? "unknown";
    if (status === "ACTIVE") return;
    await sleep(10);
  }
  throw new JobsTableNotActiveError(tableName, status);
}
