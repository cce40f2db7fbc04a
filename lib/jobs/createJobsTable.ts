import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";

/**
 * Creates the jobs table as the stack defines it (`pk`/`sk` strings, on demand), unless it exists. For the local
 * runtime: on AWS the stack owns the table.
 *
 * @example
 * await createJobsTable(client, "factor-sync-jobs");
 */
export async function createJobsTable(client: DynamoDBClient, tableName: string): Promise<void> {
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
  for (let tries = 0; tries < 500; tries++) {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (described.Table?.TableStatus === "ACTIVE") return;
    await new Promise((done) => setTimeout(done, 10));
  }
  throw new Error(`the jobs table ${tableName} did not become ACTIVE`);
}
