/**
 * Fan-out benchmark against an in-process fauxqs. Two modes:
 * - `queue`: N users straight into UserQueue (SendMessageBatch of 10, sendConcurrency calls in flight);
 * - `handler`: an N-user CSV (totp + phone rows) uploaded to S3, then the real ingest handler end to end
 *   (GetObject stream, parse, validate, fan-out, reports, summary).
 * The local AWS (fauxqs) runs in a child process (so peak RSS is the ingest side's own), on the same 2 cores: real SQS is slower
 * per call but costs no CPU here.
 *
 * Usage: node --import tsx bench/fanout.ts [users=50000] [sendConcurrency=10] [mode=queue|handler]
 * Last stdout line: {"mode": s, "users": n, "sendConcurrency": n, "seconds": n, "usersPerSec": n, "peakRssMb": n}
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Readable } from "node:stream";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { sqsSendBatch } from "../lib/fanout/sqsSendBatch.js";
import { UserQueue } from "../lib/fanout/UserQueue.js";
import { LOCAL_CREDENTIALS, LOCAL_RESOURCES } from "../lib/local/LocalAws.js";
import { CSV_HEADER } from "../test/helpers/ingestFiles.js";
import { makeIngestHandler } from "../test/helpers/ingestHandler.js";
import { putObject } from "../test/helpers/s3.js";
import { makeS3Event } from "../test/helpers/s3Event.js";
import { makeUserFactors } from "../test/helpers/userFactors.js";

const users = Number(process.argv[2] ?? 50_000);
const sendConcurrency = Number(process.argv[3] ?? 10);
const mode = process.argv[4] ?? "queue";
if (mode !== "queue" && mode !== "handler") throw new Error(`unknown mode ${mode}: queue or handler`);

function* csv(): Generator<string> {
  yield `${CSV_HEADER}\n`;
  for (let n = 1; n <= users; n++) {
    yield `auth0|user${n},totp,,,,JBSWY3DPEHPK3PXP,\n`;
    yield `auth0|user${n},phone,+1415555${String(n % 10_000).padStart(4, "0")},sms,,,\n`;
  }
}

/** The local AWS (lib/local/LocalAws.ts) in a child process on a random port, its clients in this one. */
async function startChildEmulator() {
  const child = spawn(
    process.execPath,
    [
      "--no-warnings",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      'const { startLocalAws } = await import("./lib/local/LocalAws.ts"); console.log((await startLocalAws()).endpoint);',
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const [chunk] = (await once(child.stdout, "data")) as [Buffer];
  const endpoint = chunk.toString().trim();
  const config = { region: LOCAL_RESOURCES.region, credentials: LOCAL_CREDENTIALS, endpoint };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sqs = new SQSClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
  const { QueueUrl = "" } = await sqs.send(new CreateQueueCommand({ QueueName: "bench" }));
  return {
    s3,
    sqs,
    bucket: "bench",
    queueUrl: QueueUrl,
    async stop() {
      s3.destroy();
      sqs.destroy();
      child.kill();
      await once(child, "exit");
    },
  };
}

const emulator = await startChildEmulator();
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
try {
  const key = "incoming/bench.csv";
  if (mode === "handler") await putObject(emulator.s3, emulator.bucket, key, Readable.from(csv()));
  const started = performance.now();
  let sent: number;
  if (mode === "queue") {
    const queue = new UserQueue(sqsSendBatch(emulator.sqs, emulator.queueUrl), {
      source: { bucket: emulator.bucket, key },
      sendConcurrency,
    });
    for (let n = 1; n <= users; n++) await queue.enqueue(makeUserFactors(n));
    sent = (await queue.close()).sent;
  } else {
    const handler = makeIngestHandler(emulator, { sendConcurrency, now: () => new Date() });
    const [summary] = await handler(makeS3Event({ bucket: emulator.bucket, key }));
    sent = summary?.sent ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  const { Attributes } = await emulator.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: emulator.queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages"],
    }),
  );
  process.stdout.write(`sent ${sent}, on the queue ${Attributes?.ApproximateNumberOfMessages}\n`);
  const result = {
    mode,
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
