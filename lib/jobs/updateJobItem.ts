import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { type Item, jobKey } from "./dynamoItems.js";

/** The parts of an UpdateItem call that say what changes, and on which condition. */
export type JobItemUpdate = Pick<
  ConstructorParameters<typeof UpdateItemCommand>[0],
  "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
>;

/**
 * One conditional update of a job item: its new image, or undefined when the condition did not hold (any other
 * error is thrown). The one way the job stores change a job item.
 *
 * @example
 * const item = await updateJobItem(client, tableName, jobId, {
 *   UpdateExpression: "SET #s = :s",
 *   ConditionExpression: "attribute_exists(pk)",
 *   ExpressionAttributeNames: { "#s": "status" },
 *   ExpressionAttributeValues: { ":s": { S: "sending" } },
 * });
 */
export async function updateJobItem(
  client: DynamoDBClient,
  tableName: string,
  jobId: string,
  input: JobItemUpdate,
): Promise<Item | undefined> {
  try {
    const result = await client.send(
      new UpdateItemCommand({ TableName: tableName, Key: jobKey(jobId), ReturnValues: "ALL_NEW", ...input }),
    );
    return result.Attributes ?? {};
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}
