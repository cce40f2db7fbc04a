import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import { LocalRunError } from "./errors.js";

/** A queue of the local stack. */
export interface LocalQueue {
  name: string;
  url: string;
  arn: string;
}

/** The queue settings the CDK stack uses, from {@link PIPELINE_DEFAULTS}. */
export interface LocalQueueSettings {
  /** @default PIPELINE_DEFAULTS.visibilityTimeoutSeconds */
  visibilityTimeoutSeconds: number;
  /** @default PIPELINE_DEFAULTS.maxReceiveCount */
  maxReceiveCount: number;
  /** @default PIPELINE_DEFAULTS.dlqRetentionSeconds */
  dlqRetentionSeconds: number;
}

/** S3 and SQS on this machine (fauxqs, in-process), with the stack's bucket and queues created. */
export interface LocalAws {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  workQueue: LocalQueue;
  dlq: LocalQueue;
  /** Closes the clients and the emulator; everything in it is gone. */
  stop(): Promise<void>;
}

/** Names of the local resources. */
export const LOCAL_RESOURCES = {
  bucket: "factor-sync-local",
  workQueue: "factor-sync-work",
  dlq: "factor-sync-dlq",
  region: "us-east-1",
} as const;

/**
 * Starts fauxqs in-process on a free loopback port and creates the bucket, the work queue and its DLQ with
 * the same settings as the CDK stack: the work queue's visibility timeout and redrive policy
 * (maxReceiveCount), and the DLQ's retention. fauxqs is loaded on first use, so commands that do not run the
 * pipeline never load it.
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
  const { startFauxqs } = await loadFauxqs();
  const server = await startFauxqs({ port: 0, host: "localhost", logger: false });
  const config = {
    endpoint: server.address,
    region: LOCAL_RESOURCES.region,
    // fauxqs accepts any credentials; fixed ones keep the SDK from looking for the user's own.
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sqs = new SQSClient(config);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_RESOURCES.bucket }));
    const dlq = await createQueue(sqs, LOCAL_RESOURCES.dlq, {
      MessageRetentionPeriod: String(dlqRetentionSeconds),
    });
    const workQueue = await createQueue(sqs, LOCAL_RESOURCES.workQueue, {
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
      async stop() {
        s3.destroy();
        sqs.destroy();
        await server.stop();
      },
    };
  } catch (error) {
    s3.destroy();
    sqs.destroy();
    await server.stop();
    throw error;
  }
}

async function loadFauxqs(): Promise<typeof import("fauxqs")> {
  try {
    return await import("fauxqs");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_UNKNOWN_BUILTIN_MODULE") {
      // fauxqs stores its state with node:sqlite, which Node.js has from 22.5.
      throw new LocalRunError(
        `the embedded S3/SQS emulator needs Node.js 22.5 or later, this is ${process.version}: use npm start or npx factor-sync, which run the project's own Node.js`,
      );
    }
    throw error;
  }
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<LocalQueue> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = created.QueueUrl ?? "";
  const read = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  return { name, url, arn: read.Attributes?.QueueArn ?? "" };
}
