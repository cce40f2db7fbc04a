import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Option } from "commander";
import { DynamoJobStore } from "../lib/jobs/DynamoJobStore.js";
import { JobError } from "../lib/jobs/errors.js";
import type { JobStore } from "../lib/jobs/JobStore.js";
import { DEFAULT_STATE_DIR, openLocalJobsTable } from "../lib/local/LocalAws.js";
import { endpointUrl, region } from "./optionParsers.js";

/** Where the jobs commands read: the local state folder, or a deployed stack's table. */
export interface JobsTableOptions {
  stateDir?: string;
  stack?: string;
  table?: string;
  region?: string;
  endpointUrl?: string;
}

/** The stack output that names the jobs table. */
export const JOBS_TABLE_OUTPUT = "JobsTableName";

/** A store on the chosen table; `undefined` when the local state folder holds no table yet (no jobs). */
export interface OpenedJobs {
  store: JobStore | undefined;
  /** Where it reads, for messages: the state folder or the table's name. */
  where: string;
  close(): Promise<void>;
}

/** The table could not be found (no such stack, no output): a one-line error. */
export class JobsTableError extends JobError {
  public override readonly name = "JobsTableError";
}

/** The options every jobs command takes. */
export function jobsTableOptions(): Option[] {
  return [
    new Option("--state-dir <dir>", "the local state folder").default(DEFAULT_STATE_DIR),
    new Option(
      "--stack <name>",
      `a deployed stack: its table from the output ${JOBS_TABLE_OUTPUT}`,
    ).conflicts("table"),
    new Option("--table <name>", "a deployed jobs table, by name"),
    new Option("--region <region>", "AWS region of --stack or --table (default: the AWS SDK's)").argParser(
      region,
    ),
    new Option("--endpoint-url <url>", "DynamoDB endpoint, for an emulator")
      .argParser(endpointUrl)
      .hideHelp(),
  ];
}

/**
 * Opens the jobs table the options name: `--table` (with `--region`), `--stack` (its `JobsTableName` output), or
 * the local state folder (shared with a `run` in progress, which serves it).
 *
 * @throws {@link JobsTableError} when the stack has no such output.
 * @example
 * const jobs = await openJobs(options);
 * try { ... } finally { await jobs.close(); }
 */
export async function openJobs(options: JobsTableOptions): Promise<OpenedJobs> {
  if (options.stack !== undefined || options.table !== undefined) {
    const config = {
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    };
    const tableName = options.table ?? (await tableOfStack(options.stack ?? "", options.region));
    const client = new DynamoDBClient(config);
    return {
      store: new DynamoJobStore({ client, tableName }),
      where: `table ${tableName}`,
      close: async () => client.destroy(),
    };
  }
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR);
  const exists = await access(join(stateDir, "dynamodb")).then(
    () => true,
    () => false,
  );
  if (!exists) return { store: undefined, where: stateDir, close: async () => {} };
  const table = await openLocalJobsTable(stateDir, { shared: true });
  return {
    store: new DynamoJobStore({ client: table.client, tableName: table.tableName }),
    where: stateDir,
    close: () => table.stop(),
  };
}

async function tableOfStack(stack: string, regionName: string | undefined): Promise<string> {
  const client = new CloudFormationClient(regionName ? { region: regionName } : {});
  try {
    const result = await client.send(new DescribeStacksCommand({ StackName: stack }));
    const output = result.Stacks?.[0]?.Outputs?.find((entry) => entry.OutputKey === JOBS_TABLE_OUTPUT);
    if (!output?.OutputValue) throw new JobsTableError(`stack ${stack} has no output ${JOBS_TABLE_OUTPUT}`);
    return output.OutputValue;
  } finally {
    client.destroy();
  }
}
