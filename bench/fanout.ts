/**
 * Fan-out benchmark: puts N users on a fauxqs queue through UserQueue (SendMessageBatch of 10, SEND_CONCURRENCY
 * calls in flight) and reports users/s. fauxqs runs in this same process, so its CPU counts against the figure:
 * real SQS is slower per call but takes no CPU here.
 *
 * Usage: node --import tsx bench/fanout.ts [users=50000] [sendConcurrency=10]
 * Last stdout line: {"users": n, "sendConcurrency": n, "seconds": n, "usersPerSec": n, "peakRssMb": n}
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { sqsSendBatch } from "../lib/fanout/sqsSendBatch.js";
import { UserQueue } from "../lib/fanout/UserQueue.js";
import { startEmulator } from "../test/helpers/emulator.js";
import { makeUserFactors } from "../test/helpers/userFactors.js";

const users = Number(process.argv[2] ?? 50_000);
const sendConcurrency = Number(process.argv[3] ?? 10);

const emulator = await startEmulator({ queueName: "bench" });
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
try {
  const queue = new UserQueue(sqsSendBatch(emulator.sqs, emulator.queueUrl), {
    source: { bucket: emulator.bucket, key: "incoming/bench.csv" },
    sendConcurrency,
  });
  const started = performance.now();
  for (let n = 1; n <= users; n++) await queue.enqueue(makeUserFactors(n));
  const counts = await queue.close();
  const seconds = (performance.now() - started) / 1000;
  const { Attributes } = await emulator.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: emulator.queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages"],
    }),
  );
  process.stdout.write(
    `sent ${counts.sent}, failed ${counts.failedToSend}, on the queue ${Attributes?.ApproximateNumberOfMessages}\n`,
  );
  const result = {
    users,
    sendConcurrency,
    seconds: Number(seconds.toFixed(2)),
    usersPerSec: Math.round(users / seconds),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  clearInterval(sampler);
  await emulator.stop();
}
