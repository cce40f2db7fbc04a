/**
 * Ingest benchmark (`npm run bench:ingest`): throughput of readUserFactors end to end, both passes (pass 1
 * validates the whole file and finds users in more than one place, pass 2 reads it again and yields the
 * users), over a 1,000,000-user CSV file, against one raw csv-parse pass over the same file (`columns: false`,
 * counting records) as the baseline. `usersPerSec` is users of the file per second of the whole two-pass read. Each measurement runs in its own child process, so peak RSS is its own, from
 * this file bundled by esbuild the way the ingest Lambda is.
 * The last stdout line is one JSON object: {"users", "usersPerSec", "baselineUsersPerSec", "ratio", "peakRssMb"}.
 *
 * Wall time is what the targets are about; CPU times are printed too, because on a shared machine wall time
 * says as much about the neighbours as about the code.
 *
 * Options: `--users N` (default 1,000,000), `--runs N` (best of N by wall time, default 1), `--phone-workers N`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, renameSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";
import { parse } from "csv-parse";
import { build } from "esbuild";
import { readUserFactors } from "../lib/ingest/readUserFactors.js";

interface Measurement {
  users: number;
  /** Wall time of pass 1 alone (the reader only). */
  pass1Ms?: number;
  rejected: number;
  records: number;
  ms: number;
  /** CPU time of the thread that parses (the main thread), and of the whole process (workers, GC helpers). */
  mainCpuMs: number;
  processCpuMs: number;
  peakRssMb: number;
}

/** Starts the clocks of one measurement; the returned function reads them. */
function clocks(): () => Pick<Measurement, "ms" | "mainCpuMs" | "processCpuMs" | "peakRssMb"> {
  const started = performance.now();
  // process.threadCpuUsage is Node >= 22.19 (`npm run` uses the pinned Node 22; a bare `node` may be older).
  const threadCpu = typeof process.threadCpuUsage === "function" ? () => process.threadCpuUsage() : undefined;
  const thread = threadCpu?.();
  const all = process.cpuUsage();
  return () => {
    const t = thread === undefined ? undefined : process.threadCpuUsage(thread);
    const a = process.cpuUsage(all);
    return {
      ms: performance.now() - started,
      mainCpuMs: t === undefined ? Number.NaN : (t.user + t.system) / 1000,
      processCpuMs: (a.user + a.system) / 1000,
      peakRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10, // maxRSS is in KiB
    };
  };
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
  const stop = clocks();
  const workers = flag("--phone-workers", -1);
  const reader = readUserFactors(
    () => createReadStream(path),
    { format: "csv", gzip: false },
    workers >= 0 ? { phoneWorkers: workers } : {},
  );
  const started = performance.now();
  await reader.check();
  const pass1Ms = performance.now() - started;
  let rejected = 0;
  for await (const read of reader) if (read.kind === "rejected") rejected++;
  return { users: reader.summary.users, pass1Ms, rejected, records: 0, ...stop() };
}

async function measureBaseline(path: string): Promise<Measurement> {
  const stop = clocks();
  let records = 0;
  const parser = createReadStream(path).pipe(parse({ columns: false }));
  for await (const _ of parser) records++;
  return { users: 0, rejected: 0, records: records - 1, ...stop() };
}

/**
 * This file bundled as the ingest Lambda is (esbuild, one ESM file): measurements run in production form,
 * without tsx compiling TypeScript in the main thread and in the phone worker.
 */
async function bundleSelf(): Promise<string> {
  const outfile = join(tmpdir(), "factor-sync-bench-ingest.mjs");
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile,
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: "warning",
  });
  return outfile;
}

async function child(bundle: string, kind: string, path: string): Promise<Measurement> {
  const proc = spawn(process.execPath, [bundle, "--child", kind, path, ...argv], {
    stdio: ["ignore", "pipe", "inherit"],
  });
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
  const bundle = await bundleSelf();
  let reader: Measurement | undefined;
  let baseline: Measurement | undefined;
  for (let run = 0; run < runs; run++) {
    const r = await child(bundle, "reader", path);
    const b = await child(bundle, "baseline", path);
    if (reader === undefined || r.ms < reader.ms) reader = r;
    if (baseline === undefined || b.ms < baseline.ms) baseline = b;
  }
  if (reader === undefined || baseline === undefined) throw new Error("--runs must be at least 1");
  const usersPerSec = Math.round((reader.users / reader.ms) * 1000);
  const baselineUsersPerSec = Math.round((reader.users / baseline.ms) * 1000);
  const ratio = Math.round((usersPerSec / baselineUsersPerSec) * 100) / 100;
  // A missing CPU figure (no process.threadCpuUsage) arrives from the child as null.
  const perSec = (ms: number | null) =>
    ms === null ? "n/a" : String(Math.round((reader.users / ms) * 1000));
  const seconds = (ms: number | null) => (ms === null ? "n/a" : (ms / 1000).toFixed(2));
  const rows = [
    ["measurement", "wall (s)", "users/s", "main CPU (s)", "users/CPU-s", "process CPU (s)", "peak RSS (MB)"],
    [
      "readUserFactors (both passes)",
      (reader.ms / 1000).toFixed(2),
      String(usersPerSec),
      seconds(reader.mainCpuMs),
      perSec(reader.mainCpuMs),
      (reader.processCpuMs / 1000).toFixed(2),
      String(reader.peakRssMb),
    ],
    [
      "raw csv-parse, columns: false",
      (baseline.ms / 1000).toFixed(2),
      String(baselineUsersPerSec),
      seconds(baseline.mainCpuMs),
      perSec(baseline.mainCpuMs),
      (baseline.processCpuMs / 1000).toFixed(2),
      String(baseline.peakRssMb),
    ],
  ];
  for (const row of rows) {
    process.stdout.write(
      `${row[0]?.padEnd(34)}${row
        .slice(1)
        .map((cell) => cell.padStart(16))
        .join("")}\n`,
    );
  }
  const cpuRatio = Math.round((baseline.mainCpuMs / reader.mainCpuMs) * 100) / 100;
  process.stdout.write(
    `pass 1 ${((reader.pass1Ms ?? 0) / 1000).toFixed(2)} s, pass 2 ${((reader.ms - (reader.pass1Ms ?? 0)) / 1000).toFixed(2)} s; users ${reader.users} (rejected places ${reader.rejected}), csv records ${baseline.records}, ratio ${ratio} (by main-thread CPU ${cpuRatio}), best of ${runs}, node ${process.version}, load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ users: reader.users, usersPerSec, baselineUsersPerSec, ratio, peakRssMb: reader.peakRssMb })}\n`,
  );
}

// Bundled, this file is also what each phone worker loads (it re-enters the bundle): only the main thread runs.
if (isMainThread) await main();
