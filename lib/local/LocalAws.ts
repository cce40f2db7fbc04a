import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { FauxqsServer } from "fauxqs";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import { createJobsTable } from "../jobs/createJobsTable.js";
import { type DynaliteThread, startDynaliteThread } from "./dynaliteThread.js";
import { LocalRunError } from "./errors.js";

/** A queue of the local stack. */
export interface LocalQueue {
  name: string;
  url: string;
  arn: string;
}

/** The queue settings the CDK stack uses, from {@link PIPELINE_DEFAULTS}, and where the jobs table lives. */
export interface LocalQueueSettings {
  /**
   * The state folder: the jobs table (dynalite on LevelDB) is kept in it, so jobs survive between runs (`run`
   * passes `./.factor-sync` unless told otherwise).
   * @default none: the jobs table is kept in memory and gone at stop (tests)
   */
  stateDir: string | undefined;
  /** @default PIPELINE_DEFAULTS.visibilityTimeoutSeconds */
  visibilityTimeoutSeconds: number;
  /** @default PIPELINE_DEFAULTS.maxReceiveCount */
  maxReceiveCount: number;
  /** @default PIPELINE_DEFAULTS.dlqRetentionSeconds */
  dlqRetentionSeconds: number;
}

/** A message held by a local queue, read without receiving it. */
export interface QueuedMessage {
  messageId: string;
  body: string;
}

/** What a local queue holds, by state (exact: read from the emulator, not received). */
export interface QueueContents {
  ready: QueuedMessage[];
  delayed: QueuedMessage[];
  /** Received and not yet deleted, with when each becomes visible again (epoch milliseconds). */
  inFlight: (QueuedMessage & { visibleAtMs: number })[];
}

/**
 * The AWS services of the pipeline on this machine, in-process on free loopback ports (fauxqs for S3 and SQS),
 * with the stack's bucket and queues created. The only place the emulators are started: the local runner, the
 * tests and the benchmarks all use it.
 */
export interface LocalAws {
  /** The S3/SQS endpoint, `http://localhost:PORT`. */
  endpoint: string;
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  workQueue: LocalQueue;
  dlq: LocalQueue;
  /** The jobs table (dynalite), kept in the state folder when there is one. */
  jobs: LocalJobsTable;
  /** Creates another queue (tests keep apart with one each). */
  createQueue(name: string, attributes?: Record<string, string>): Promise<LocalQueue>;
  /** Creates another bucket. */
  createBucket(name: string): Promise<void>;
  /** Every message of a queue by state, without receiving any; undefined when there is no such queue. */
  inspectQueue(queueUrl: string): QueueContents | undefined;
  /** Closes the clients and the emulators; S3 and SQS are gone, a state folder's jobs table stays on disk. */
  stop(): Promise<void>;
}

/** The jobs table of the local runtime: dynalite on the state folder, or the one a running `run` serves. */
export interface LocalJobsTable {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  client: DynamoDBClient;
  tableName: string;
  /** The state folder, absolute; undefined when the table is in memory. */
  stateDir: string | undefined;
  /**
   * The dynalite thread's event-loop utilization (the benchmarks report it), when this process started dynalite.
   */
  utilization?: DynaliteThread["utilization"];
  /** Whether this process's dynalite keeps table descriptions in memory (the benchmarks report it). */
  tableCache?: boolean;
  /** Closes the client and, when this process started dynalite, dynalite (the data stays on disk). */
  stop(): Promise<void>;
}

/** The state folder of local runs, relative to the current directory. */
export const DEFAULT_STATE_DIR = ".factor-sync";

/** Names of the local resources. */
export const LOCAL_RESOURCES = {
  bucket: "factor-sync-local",
  workQueue: "factor-sync-work",
  dlq: "factor-sync-dlq",
  jobsTable: "factor-sync-jobs",
  region: "us-east-1",
} as const;

/** Credentials the emulators accept (they never check them); fixed ones keep the SDK from looking for the user's own. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/**
 * Starts the emulators in-process on free loopback ports (today fauxqs, for S3 and SQS) and creates the bucket,
 * the work queue and its DLQ with the same settings as the CDK stack: the work queue's visibility timeout and
 * redrive policy (maxReceiveCount), and the DLQ's retention. Emulators are loaded on first use, so commands that
 * do not run the pipeline never load them. Another emulator (DynamoDB) is started here, beside fauxqs, and
 * stopped with it.
 *
 * @example
 * const aws = await startLocalAws();
 * try { ... } finally { await aws.stop(); }
 */
export async function startLocalAws(settings: Partial<LocalQueueSettings> = {}): Promise<LocalAws> {
  const visibilityTimeoutSeconds =
    settings.visibilityTimeoutSeconds ?? PIPELINE_DEFAULTS.visibilityTimeoutSeconds;
  const maxReceiveCount = settings.maxReceiveCount ?? PIPELINE_DEFAULTS.maxReceiveCount;
  const dlqRetentionSeconds = settings.dlqRetentionSeconds ?? PIPELINE_DEFAULTS.dlqRetentionSeconds;
  // Stopped in reverse order by stop(), or when setting up fails half way.
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const jobs = await openLocalJobsTable(settings.stateDir, { shared: false });
    stops.push(() => jobs.stop());
    const server = await startS3AndSqs();
    stops.push(() => server.stop());
    const config = {
      endpoint: server.address,
      region: LOCAL_RESOURCES.region,
      credentials: LOCAL_CREDENTIALS,
    };
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const sqs = new SQSClient(config);
    stops.push(() => {
      s3.destroy();
      sqs.destroy();
    });
    const createQueue = (name: string, attributes: Record<string, string> = {}) =>
      createLocalQueue(sqs, name, attributes);
    const createBucket = async (name: string) => {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    };
    await createBucket(LOCAL_RESOURCES.bucket);
    const dlq = await createQueue(LOCAL_RESOURCES.dlq, {
      MessageRetentionPeriod: String(dlqRetentionSeconds),
    });
    const workQueue = await createQueue(LOCAL_RESOURCES.workQueue, {
      VisibilityTimeout: String(visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
    });
    return {
      endpoint: server.address,
      s3,
      sqs,
      bucket: LOCAL_RESOURCES.bucket,
      workQueue,
      dlq,
      jobs,
      createQueue,
      createBucket,
      inspectQueue: (queueUrl) => inspect(server, queueUrl),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** What a process serving a state folder's jobs table writes into it, so other commands can reach the table. */
interface StateLock {
  pid: number;
  endpoint: string;
}

const LOCK_FILE = "dynamodb.json";

/**
 * Opens the jobs table of a state folder: starts dynalite on a worker thread of this process
 * ({@link startDynaliteThread}: its CPU on another core than the pipeline's) on a free loopback port with its LevelDB in
 * `<stateDir>/dynamodb` (creating the folder and the table the first time), or, when another process (a `run`
 * in progress) serves that folder, connects to it: LevelDB allows one process per folder. `shared: false` (a
 * `run`) refuses a folder another run is using. Without a folder, the table is in memory. The only place
 * dynalite is started.
 *
 * @throws {@link LocalRunError} when the folder is in use and `shared` is false, or dynalite cannot open it.
 * @example
 * const table = await openLocalJobsTable(".factor-sync", { shared: true });
 * try { console.log(await new DynamoJobStore(table).listJobs()); } finally { await table.stop(); }
 */
export async function openLocalJobsTable(
  stateDir: string | undefined,
  options: { shared: boolean },
): Promise<LocalJobsTable> {
  const tableName = LOCAL_RESOURCES.jobsTable;
  if (stateDir === undefined) {
    const { endpoint, utilization, tableCache, stop: stopDynalite } = await startDynaliteThread(undefined);
    const client = localDynamoClient(endpoint);
    const stop = async () => {
      client.destroy();
      await stopDynalite();
    };
    await createJobsTable(client, tableName).catch(async (error: unknown) => {
      await stop();
      throw error;
    });
    return { endpoint, client, tableName, stateDir: undefined, utilization, tableCache, stop };
  }
  const dir = resolve(stateDir);
  const lockPath = join(dir, LOCK_FILE);
  const lock = await readLock(lockPath);
  if (lock !== undefined && isAlive(lock.pid)) {
    if (!options.shared) {
      throw new LocalRunError(`the state folder ${dir} is in use by another run (process ${lock.pid})`);
    }
    const client = localDynamoClient(lock.endpoint);
    return { endpoint: lock.endpoint, client, tableName, stateDir: dir, stop: async () => client.destroy() };
  }
  await mkdir(dir, { recursive: true });
  const {
    endpoint,
    utilization,
    tableCache,
    stop: stopDynalite,
  } = await startDynaliteThread(join(dir, "dynamodb"));
  const client = localDynamoClient(endpoint);
  const stop = async () => {
    client.destroy();
    await rm(lockPath, { force: true });
    await stopDynalite();
  };
  try {
    await writeFile(lockPath, `${JSON.stringify({ pid: process.pid, endpoint } satisfies StateLock)}\n`);
    await createJobsTable(client, tableName);
  } catch (error) {
    await stop();
    throw new LocalRunError(`cannot open the jobs table in ${dir}: ${(error as Error).message}`);
  }
  return { endpoint, client, tableName, stateDir: dir, utilization, tableCache, stop };
}

function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_RESOURCES.region,
    credentials: LOCAL_CREDENTIALS,
  });
}

async function readLock(path: string): Promise<StateLock | undefined> {
  try {
    const lock = JSON.parse(await readFile(path, "utf8")) as Partial<StateLock>;
    return typeof lock.pid === "number" && typeof lock.endpoint === "string"
      ? { pid: lock.pid, endpoint: lock.endpoint }
      : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function startS3AndSqs(): Promise<FauxqsServer> {
  let fauxqs: typeof import("fauxqs");
  try {
    fauxqs = await import("fauxqs");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_UNKNOWN_BUILTIN_MODULE") {
      // fauxqs stores its state with node:sqlite, which Node.js has from 22.5.
      throw new LocalRunError(
        `the embedded S3/SQS emulator needs Node.js 22.5 or later, this is ${process.version}: use npm start or npx factor-sync, which run the project's own Node.js`,
      );
    }
    throw error;
  }
  return fauxqs.startFauxqs({ port: 0, host: "localhost", logger: false });
}

async function createLocalQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<LocalQueue> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = created.QueueUrl ?? "";
  const read = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  return { name, url, arn: read.Attributes?.QueueArn ?? "" };
}

function inspect(server: FauxqsServer, queueUrl: string): QueueContents | undefined {
  const state = server.inspectQueue(queueUrl.slice(queueUrl.lastIndexOf("/") + 1));
  if (state === undefined) return undefined;
  const held = (message: { messageId: string; body: string }) => ({
    messageId: message.messageId,
    body: message.body,
  });
  return {
    ready: state.messages.ready.map(held),
    delayed: state.messages.delayed.map(held),
    inFlight: state.messages.inflight.map((entry) => ({
      ...held(entry.message),
      visibleAtMs: entry.visibilityDeadline,
    })),
  };
}
