/**
 * Ingest benchmark (`npm run bench:ingest`): parse + validate throughput of readUserFactors over a
 * 1,000,000-user CSV file, against a raw csv-parse pass over the same file (`columns: false`, counting
 * records) as the baseline. Each measurement runs in its own child process, so peak RSS is its own.
 * The last stdout line is one JSON object: {"users", "usersPerSec", "baselineUsersPerSec", "ratio", "peakRssMb"}.
 *
 * Options: `--users N` (default 1,000,000), `--runs N` (best of N, default 1), `--phone-workers N`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse";
import { readUserFactors } from "../lib/ingest/readUserFactors.js";

interface Measurement {
  users: number;
  rejected: number;
  records: number;
  ms: number;
  peakRssMb: number;
}

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const index = argv.indexOf(name);
  return index === -1 ? fallback : Number(argv[index + 1]);
};

/** A small seeded PRNG (mulberry32), so every run generates the same file. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const US_AREAS = ["212", "310", "415", "512", "617", "646", "702", "312", "206", "303"];

/** Writes the benchmark file: ~1.5 methods a user; totp, phone (US/GB/DE, some formatted) and email alone. */
async function generate(path: string, users: number): Promise<void> {
  const next = random(42);
  const digits = (n: number) => {
    let s = "";
    for (let i = 0; i < n; i++) s += Math.floor(next() * 10);
    return s;
  };
  const secret = () => {
    let s = "";
    for (let i = 0; i < 32; i++) s += BASE32[Math.floor(next() * 32)];
    return s;
  };
  const phone = () => {
    const pick = next();
    if (pick < 0.5) {
      const area = US_AREAS[Math.floor(next() * US_AREAS.length)];
      const exchange = String(200 + Math.floor(next() * 800));
      return next() < 0.3 ? `"+1 (${area}) ${exchange}-${digits(4)}"` : `+1${area}${exchange}${digits(4)}`;
    }
    if (pick < 0.8) return next() < 0.3 ? `+44 7400 ${digits(6)}` : `+447800${digits(6)}`;
    if (pick < 0.995) return `+49151${digits(8)}`;
    return `555-01${digits(2)}`; // a national number without country code: rejected, as in real exports
  };
  const temporary = `${path}.partial`;
  const out = createWriteStream(temporary);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write("user_id,type,phone_number,preferred_authentication_method,email,totp_secret,name\n");
  let buffer = "";
  for (let i = 0; i < users; i++) {
    const id = `auth0|${(1_000_000_000 + i).toString(16)}${digits(6)}`;
    const pick = next();
    if (pick < 0.1) buffer += `${id},email,,,user${i}@example.com,,\n`;
    else if (pick < 0.4) buffer += `${id},totp,,,,${secret()},Authenticator\n`;
    else if (pick < 0.5) buffer += `${id},phone,${phone()},${next() < 0.5 ? "sms" : "voice"},,,\n`;
    else {
      // Two methods: totp + phone (the common pair), the 1.5 average coming from half the users.
      buffer += `${id},totp,,,,${secret()},\n${id},phone,${phone()},sms,,,Mobile\n`;
    }
    if (buffer.length > 1 << 20) {
      await write(buffer);
      buffer = "";
    }
  }
  await write(buffer);
  out.end();
  await once(out, "finish");
  renameSync(temporary, path);
}

async function measureReader(path: string): Promise<Measurement> {
  const started = performance.now();
  const workers = flag("--phone-workers", -1);
  const reader = readUserFactors(
    createReadStream(path),
    { format: "csv", gzip: false },
    workers >= 0 ? { phoneWorkers: workers } : {},
  );
  let rejected = 0;
  for await (const read of reader) if (read.kind === "rejected") rejected++;
  const ms = performance.now() - started;
  return { users: reader.summary.users, rejected, records: 0, ms, peakRssMb: peakRssMb() };
}

async function measureBaseline(path: string): Promise<Measurement> {
  const started = performance.now();
  let records = 0;
  const parser = createReadStream(path).pipe(parse({ columns: false }));
  for await (const _ of parser) records++;
  const ms = performance.now() - started;
  return { users: 0, rejected: 0, records: records - 1, ms, peakRssMb: peakRssMb() };
}

function peakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10; // maxRSS is in KiB
}

async function child(kind: string, path: string): Promise<Measurement> {
  const proc = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1] as string, "--child", kind, path, ...argv],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let stdout = "";
  proc.stdout.on("data", (data: Buffer) => {
    stdout += data.toString();
  });
  const [code] = (await once(proc, "close")) as [number];
  if (code !== 0) throw new Error(`the ${kind} measurement failed (exit ${code})`);
  return JSON.parse(stdout.trim().split("\n").pop() as string) as Measurement;
}

async function main(): Promise<void> {
  const childIndex = argv.indexOf("--child");
  if (childIndex !== -1) {
    const kind = argv[childIndex + 1];
    const path = argv[childIndex + 2] as string;
    const result = kind === "reader" ? await measureReader(path) : await measureBaseline(path);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const users = flag("--users", 1_000_000);
  const runs = flag("--runs", 1);
  const path = join(tmpdir(), `factor-sync-bench-${users}.csv`);
  if (!existsSync(path)) {
    process.stdout.write(`generating ${path} (${users} users)...\n`);
    await generate(path, users);
  } else {
    process.stdout.write(`reusing ${path}\n`);
  }
  let reader: Measurement | undefined;
  let baseline: Measurement | undefined;
  for (let run = 0; run < runs; run++) {
    const r = await child("reader", path);
    const b = await child("baseline", path);
    if (reader === undefined || r.ms < reader.ms) reader = r;
    if (baseline === undefined || b.ms < baseline.ms) baseline = b;
  }
  if (reader === undefined || baseline === undefined) throw new Error("--runs must be at least 1");
  const usersPerSec = Math.round((reader.users / reader.ms) * 1000);
  const baselineUsersPerSec = Math.round((reader.users / baseline.ms) * 1000);
  const ratio = Math.round((usersPerSec / baselineUsersPerSec) * 100) / 100;
  const rows = [
    ["measurement", "time (s)", "users/s", "peak RSS (MB)"],
    [
      "readUserFactors (parse+validate)",
      (reader.ms / 1000).toFixed(2),
      String(usersPerSec),
      String(reader.peakRssMb),
    ],
    [
      "raw csv-parse, columns: false",
      (baseline.ms / 1000).toFixed(2),
      String(baselineUsersPerSec),
      String(baseline.peakRssMb),
    ],
  ];
  for (const row of rows)
    process.stdout.write(
      `${row[0]?.padEnd(34)}${row
        .slice(1)
        .map((c) => c.padStart(14))
        .join("")}\n`,
    );
  process.stdout.write(
    `users ${reader.users} (rejected ${reader.rejected}), csv records ${baseline.records}, ratio ${ratio}, node ${process.version}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ users: reader.users, usersPerSec, baselineUsersPerSec, ratio, peakRssMb: reader.peakRssMb })}\n`,
  );
}

await main();
