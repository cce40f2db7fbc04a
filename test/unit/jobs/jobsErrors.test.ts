import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { createJobsTable } from "../../../lib/jobs/createJobsTable.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import { JobStoreOptionsError, JobsTableNotActiveError } from "../../../lib/jobs/errors.js";

describe("the jobs area's typed errors", () => {
  it("createJobsTable throws JobsTableNotActiveError when the table stays CREATING", async () => {
    const commands: string[] = [];
    // A table that never leaves CREATING (what dynalite answers for a moment after CreateTable).
    const client = {
      send: async (command: object) => {
        commands.push(command.constructor.name);
        return command.constructor.name === "DescribeTableCommand"
          ? { Table: { TableStatus: "CREATING" } }
          : {};
      },
    } as unknown as DynamoDBClient;
    const error = await createJobsTable(client, "jobs", { tries: 3, sleep: async () => {} }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(JobsTableNotActiveError);
    expect(error).toMatchObject({
      tableName: "jobs",
      status: "CREATING",
      message: "the jobs table jobs did not become ACTIVE (last status: CREATING)",
    });
    expect(commands).toEqual([
      "CreateTableCommand",
      "DescribeTableCommand",
      "DescribeTableCommand",
      "DescribeTableCommand",
    ]);
  });

  it("DynamoJobStore refuses an outcome TTL that is not positive with JobStoreOptionsError", () => {
    const client = {} as DynamoDBClient;
    expect(() => new DynamoJobStore({ client, tableName: "t", outcomeTtlDays: 0 })).toThrow(
      JobStoreOptionsError,
    );
  });
});
