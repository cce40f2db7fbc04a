import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { createApplyHandler } from "../lib/apply/createApplyHandler.js";
import { SqsApplyQueue } from "../lib/apply/SqsApplyQueue.js";
import { toAuth0Endpoint } from "../lib/auth0/Auth0Endpoint.js";
import { ManagementApiClient } from "../lib/auth0/ManagementApiClient.js";
import { TokenProvider } from "../lib/auth0/TokenProvider.js";
import { startLocalAws } from "../lib/local/LocalAws.js";
import { queueDepth } from "../lib/local/queueDepth.js";
import { SqsEventSource } from "../lib/local/SqsEventSource.js";
import { silentLogger } from "../lib/logging/Logger.js";
import { Pacer, type PacerOptions } from "../lib/pacing/Pacer.js";
import type { Auth0Simulator } from "../lib/simulator/index.js";

/** Options of {@link runApplyFleet}. */
export interface ApplyFleetOptions {
  simulator: Auth0Simulator;
  /** The work queue's messages. */
  bodies: string[];
  /** Pollers, each one container with its own token cache and pacer (MaximumConcurrency). */
  workers: number;
  /** Each worker's pacer (`maxConcurrency` is `workers`). */
  pacer: Omit<PacerOptions, "maxConcurrency">;
  /** @default 10 */
  batchSize?: number;
  /** Called when the queue is full and the event source starts (start sampling then). */
  onStarted?: () => void;
}

/**
 * The apply fleet as `run` drives it: the bodies on the local work queue (LocalAws), then the local runtime's
 * SqsEventSource until the queue is drained. The wall time runs from the start of the event source to the end
 * of its last invocation.
 */
export async function runApplyFleet(
  options: ApplyFleetOptions,
): Promise<{ wallMs: number; deadLettered: number }> {
  const { simulator, bodies, workers } = options;
  const aws = await startLocalAws();
  try {
    for (let start = 0; start < bodies.length; start += 10) {
      const entries = bodies
        .slice(start, start + 10)
        .map((body, i) => ({ Id: String(i), MessageBody: body }));
      await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: aws.workQueue.url, Entries: entries }));
    }
    const endpoint = toAuth0Endpoint(simulator.url);
    let lastInvocationEnd = 0;
    const source = new SqsEventSource({
      sqs: aws.sqs,
      queueUrl: aws.workQueue.url,
      queueArn: aws.workQueue.arn,
      batchSize: options.batchSize ?? 10,
      maxBatchingWindowSeconds: 0,
      maxConcurrency: workers,
      onInvocation: () => {
        lastInvocationEnd = performance.now();
      },
      createHandler: () => {
        const tokens = new TokenProvider({
          endpoint,
          credentials: { clientId: simulator.clientId, clientSecret: simulator.clientSecret },
        });
        return createApplyHandler({
          client: new ManagementApiClient({ endpoint, tokens }),
          pacer: new Pacer({ ...options.pacer, maxConcurrency: workers }),
          queue: new SqsApplyQueue({ sqs: aws.sqs, dlqUrl: aws.dlq.url, logger: silentLogger }),
          logger: silentLogger,
        });
      },
    });
    options.onStarted?.();
    const started = performance.now();
    await source.finishWhenDrained();
    const dlq = await queueDepth(aws.sqs, aws.dlq.url);
    return { wallMs: lastInvocationEnd - started, deadLettered: dlq.visible + dlq.inFlight + dlq.delayed };
  } finally {
    await aws.stop();
  }
}
