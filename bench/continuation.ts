/**
 * Continuation benchmark (`npm run bench:continuation`): what resuming a gzip file from a checkpoint costs when
 * the stream is inflated again from its start and the bytes before the checkpoint are dropped unparsed (the
 * "fast re-read", what readDraftBatches does), against parsing the same bytes (what the checkpoint saves).
 * Over a generated CSV of `--users N` (default 1,000,000) single-row TOTP users, gzip level 6.
 *
 * Prints one JSON object: {"users", "rawMb", "gzipMb", "inflateMbPerSec", "reReadSecondsPer10MUsers",
 * "parseUsersPerSec", "resumeAt90PercentMs", "parseLast10PercentMs"}.
 */
import { Readable } from "node:stream";
import { createGunzip, gzipSync } from "node:zlib";
import { readDraftBatches } from "../lib/ingest/readDraftBatches.js";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const users = arg("--users", 1_000_000);

const rows = ["user_id,type,totp_secret"];
for (let n = 1; n <= users; n++)
  rows.push(`auth0|bench-${n},totp,JBSWY3DPEHPK3PXP${(n % 10_000).toString().padStart(4, "0")}`);
const raw = Buffer.from(`${rows.join("\n")}\n`);
const gz = gzipSync(raw, { level: 6 });
const chunks = (buffer: Buffer) => {
  const out: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += 64 * 1024) out.push(buffer.subarray(at, at + 64 * 1024));
  return Readable.from(out);
};

async function inflateAll(): Promise<number> {
  const started = performance.now();
  let bytes = 0;
  for await (const chunk of chunks(gz).pipe(createGunzip())) bytes += (chunk as Buffer).length;
  if (bytes !== raw.length) throw new Error("inflated size differs");
  return performance.now() - started;
}

/** Reads from `start` (a checkpoint) to the end: gzip inflated from 0 and skipped, or raw from the offset. */
async function readFrom(
  start: { byte: number; line: number; header?: string[] },
  gzip: boolean,
): Promise<[number, number]> {
  const started = performance.now();
  let drafts = 0;
  const input = gzip ? chunks(gz) : chunks(raw.subarray(start.byte));
  for await (const batch of readDraftBatches(
    input,
    { format: "csv", gzip },
    { maxRecordBytes: 1 << 20, start },
  )) {
    drafts += batch.drafts.length;
  }
  return [performance.now() - started, drafts];
}

const inflateMs = Math.min(await inflateAll(), await inflateAll());
const full = await readFrom({ byte: 0, line: 1 }, false);
// A checkpoint 90% into the file: the line after user 0.9 N.
const cutUser = Math.floor(users * 0.9);
const cutByte = rows.slice(0, cutUser + 1).reduce((sum, row) => sum + row.length + 1, 0);
const start = { byte: cutByte, line: cutUser + 2, header: ["user_id", "type", "totp_secret"] };
const resumed = await readFrom(start, true);
const rawTail = await readFrom(start, false);
if (resumed[1] !== users - cutUser || rawTail[1] !== users - cutUser)
  throw new Error("resumed reading lost users");

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const inflateMbPerSec = Math.round(raw.length / 1024 / 1024 / (inflateMs / 1000));
console.log(
  JSON.stringify({
    users,
    rawMb: mb(raw.length),
    gzipMb: mb(gz.length),
    inflateMbPerSec,
    reReadSecondsPer10MUsers: Math.round(((inflateMs / users) * 10_000_000) / 100) / 10,
    parseUsersPerSec: Math.round(users / (full[0] / 1000)),
    resumeAt90PercentMs: Math.round(resumed[0]),
    parseLast10PercentMs: Math.round(rawTail[0]),
  }),
);
