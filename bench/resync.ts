/**
 * Incremental sync benchmark (`npm run bench:resync`): a first run of N users (default 100,000) through the whole
 * local pipeline (`runLocalMigration`: fauxqs, dynalite in a state folder, the real handlers) against the
 * bundled simulator at a high limit, then a second file with 1 % of the users' TOTP secrets changed and 0.5 %
 * users added. Reports the second run's PUTs (target: exactly the changed and added users), its wall time, and
 * the lookup rate: users/s through pass 2 with the sync state lookups (read, validate, HMAC, BatchGetItem,
 * claims of the users to send), measured on its own over the second file against the same state (target
 * ≥ 20,000 users/s on dynalite), with the event-loop utilization of the main thread and of the dynalite thread
 * during pass 2 (1 = busy all the time: the thread that bounds it), and whether dynalite's table cache was on.
 * Pass 2 makes one conditional write per user: a claim for a user to send, a confirmation for an unchanged one.
 * The last stdout line is one JSON object.
 *
 * `--lookups-only` writes the first run's state directly and measures pass 2 alone (seconds, not minutes).
 * Options: `--users N` (default 100,000), `--rps N` (the simulator's limit and the fleet's ceiling, default 20,000),
 * `--concurrency N` (apply pollers, default 16), `--batch-size N` (default 10), `--window S` (batching window,
 * default 0).
 */
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type AttributeValue, BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { detectFileKind, readUserFactors } from "../lib/ingest/index.js";
import { syncStateKey } from "../lib/jobs/dynamoItems.js";
import { openLocalJobsTable } from "../lib/local/LocalAws.js";
import { runLocalMigration } from "../lib/local/runLocalMigration.js";
import type { LocalMigrationSummary } from "../lib/local/types.js";
import { silentLogger } from "../lib/logging/Logger.js";
import { startAuth0Simulator } from "../lib/simulator/index.js";
import { methodSetHmac } from "../lib/sync/methodSetHmac.js";
import { SyncGate } from "../lib/sync/SyncGate.js";
import { SyncStateStore } from "../lib/sync/SyncStateStore.js";
import { localSyncKey } from "../lib/sync/syncKey.js";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const index = argv.indexOf(name);
  return index === -1 ? fallback : Number(argv[index + 1]);
};
const USERS = flag("--users", 100_000);
const RPS = flag("--rps", 20_000);
const CHANGED = Math.round(USERS * 0.01);
const ADDED = Math.round(USERS * 0.005);

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function secretOf(index: number, version: number): string {
  let value = index * 2_654_435_761 + version * 40_503 + 7;
  let secret = "";
  for (let i = 0; i < 16; i++) {
    secret += BASE32[(value >>> 0) % 32];
    value = Math.imul(value ^ (value >>> 13), 0x5bd1e995) + i + version;
  }
  return secret;
}

/** Users 0 … count-1, each a TOTP factor (every fourth also a phone); the first `changed` users' secrets renewed. */
async function writeUsers(path: string, count: number, changed: number): Promise<void> {
  const rows = ["user_id,type,totp_secret,phone_number"];
  for (let index = 0; index < count; index++) {
    // Every 100th user changes: spread over the file, as a real export's changes are.
    const version = index % 100 === 0 && index / 100 < changed ? 1 : 0;
    rows.push(`auth0|bench-${index},totp,${secretOf(index, version)},`);
    if (index % 4 === 0)
      rows.push(`auth0|bench-${index},phone,,+1415${String(5_550_000 + (index % 9_999)).padStart(7, "0")}`);
  }
  await writeFile(path, `${rows.join("\n")}\n`);
}

/**
 * Ingest's pass 2 over `file` with the sync state lookups (read, validate, HMAC, BatchGetItem, claims of the
 * users to send), nothing sent: users/s.
 */
async function measurePass2(
  stateDir: string,
  file: string,
  tenant: string,
): Promise<{
  users: number;
  toSend: number;
  usersPerSec: number;
  mainBusy: number;
  dynaliteBusy: number;
  tableCache: boolean;
}> {
  const table = await openLocalJobsTable(stateDir, { shared: false });
  let users = 0;
  let toSend = 0;
  try {
    const store = new SyncStateStore({ client: table.client, tableName: table.tableName });
    const gate = new SyncGate(
      {
        store,
        key: await localSyncKey(stateDir),
        tenant,
        order: "999999999999999.0.j-bench",
        jobId: "j-bench",
      },
      async ({ unchanged }) => {
        users += 1;
        if (!unchanged) toSend += 1;
      },
    );
    const reader = readUserFactors(() => createReadStream(file), detectFileKind(file));
    // Pass 1 (validation, split users) first, untimed: the figure is pass 2's, as ingest runs it.
    await reader.check();
    const started = performance.now();
    const main0 = performance.eventLoopUtilization();
    const dynalite0 = table.utilization?.();
    for await (const item of reader) {
      if (item.kind === "valid") await gate.add(item.user);
    }
    await gate.close();
    const ms = performance.now() - started;
    const round2 = (value: number) => Math.round(value * 100) / 100;
    return {
      users,
      toSend,
      usersPerSec: Math.round(users / (ms / 1000)),
      // Event-loop utilization during pass 2: which thread bounds it (1 = busy all the time).
      mainBusy: round2(performance.eventLoopUtilization(main0).utilization),
      dynaliteBusy: round2(table.utilization?.(dynalite0).utilization ?? 0),
      tableCache: table.tableCache ?? false,
    };
  } finally {
    await table.stop();
  }
}

/**
 * `--lookups-only`: the state of a first run written directly (BatchWriteItem, as if every user of the first
 * file had been applied), then pass 2 over the second file. The lookup figure without the 20-minute first run.
 */
async function lookupsOnly(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "factor-sync-bench-lookups-"));
  const stateDir = join(dir, "state");
  try {
    const first = join(dir, "users.csv");
    const second = join(dir, "users-2.csv");
    await writeUsers(first, USERS, 0);
    await writeUsers(second, USERS + ADDED, CHANGED);
    const table = await openLocalJobsTable(stateDir, { shared: false });
    try {
      const key = await localSyncKey(stateDir);
      let batch: Record<string, AttributeValue>[] = [];
      const flush = async () => {
        let pending = batch.map((Item) => ({ PutRequest: { Item } }));
        batch = [];
        while (pending.length > 0) {
          const result = await table.client.send(
            new BatchWriteItemCommand({ RequestItems: { [table.tableName]: pending } }),
          );
          pending = (result.UnprocessedItems?.[table.tableName] ?? []) as typeof pending;
        }
      };
      for await (const item of readUserFactors(() => createReadStream(first), detectFileKind(first))) {
        if (item.kind !== "valid") continue;
        batch.push({
          ...syncStateKey("bench-tenant", item.user.userId),
          hmac: { S: methodSetHmac(key, item.user.userId, item.user.methods) },
          appliedOrder: { S: "001.0.j-first" },
          claimOrder: { S: "001.0.j-first" },
        });
        if (batch.length === 25) await flush();
      }
      await flush();
    } finally {
      await table.stop();
    }
    const loadBefore = loadavg()[0] ?? 0;
    const pass2 = await measurePass2(stateDir, second, "bench-tenant");
    console.log(
      JSON.stringify({
        users: USERS + ADDED,
        pass2ToSend: pass2.toSend,
        targetToSend: CHANGED + ADDED,
        lookupUsersPerSec: pass2.usersPerSec,
        mainThreadBusy: pass2.mainBusy,
        dynaliteThreadBusy: pass2.dynaliteBusy,
        dynaliteTableCache: pass2.tableCache,
        loadAverage: [Math.round(loadBefore * 10) / 10, Math.round((loadavg()[0] ?? 0) * 10) / 10],
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "factor-sync-bench-resync-"));
  const stateDir = join(dir, "state");
  const simulator = await startAuth0Simulator({ rps: RPS, burst: RPS, latencyMs: [0, 0] });
  const target = {
    domain: simulator.url,
    clientId: simulator.clientId,
    clientSecret: simulator.clientSecret,
    tenant: "bench-tenant",
  };
  const run = (file: string, name: string): Promise<LocalMigrationSummary> =>
    runLocalMigration({
      file,
      target,
      stateDir,
      rpsCeiling: RPS,
      budgetShare: 1,
      maxConcurrency: flag("--concurrency", 16),
      applyConcurrency: 20,
      batchSize: flag("--batch-size", 10),
      maxBatchingWindowSeconds: flag("--window", 0),
      reportsDir: join(dir, name),
      logger: silentLogger,
    });
  try {
    const first = join(dir, "users.csv");
    await writeUsers(first, USERS, 0);
    const loadBefore = loadavg()[0] ?? 0;
    let started = performance.now();
    const one = await run(first, "first");
    const firstMs = performance.now() - started;
    const firstPuts = simulator.stats.puts;
    console.error(`first run: ${one.applied} applied, ${firstPuts} PUTs, ${(firstMs / 1000).toFixed(1)} s`);

    const second = join(dir, "users-2.csv");
    await writeUsers(second, USERS + ADDED, CHANGED);
    started = performance.now();
    const two = await run(second, "second");
    const secondMs = performance.now() - started;
    const secondPuts = simulator.stats.puts - firstPuts;
    const ingestSummary = JSON.parse(await readFile(two.reports.summary ?? "", "utf8")) as {
      durationMs: number;
    };
    console.error(
      `second run: ${two.applied} applied, ${two.unchanged} unchanged, ${secondPuts} PUTs, ${(secondMs / 1000).toFixed(1)} s (ingest ${(ingestSummary.durationMs / 1000).toFixed(1)} s)`,
    );

    // Pass 2 with the lookups, on its own: the second file against the state the two runs left.
    const pass2 = await measurePass2(stateDir, second, target.tenant);
    const result = {
      users: USERS,
      changed: CHANGED,
      added: ADDED,
      firstRunMs: Math.round(firstMs),
      secondRunPuts: secondPuts,
      secondRunTargetPuts: CHANGED + ADDED,
      secondRunUnchanged: two.unchanged,
      secondRunMs: Math.round(secondMs),
      secondIngestMs: ingestSummary.durationMs,
      pass2Users: pass2.users,
      pass2ToSendAfter: pass2.toSend,
      lookupUsersPerSec: pass2.usersPerSec,
      mainThreadBusy: pass2.mainBusy,
      dynaliteThreadBusy: pass2.dynaliteBusy,
      dynaliteTableCache: pass2.tableCache,
      loadAverage: [Math.round(loadBefore * 10) / 10, Math.round((loadavg()[0] ?? 0) * 10) / 10],
    };
    console.log(JSON.stringify(result));
    if (secondPuts !== CHANGED + ADDED) process.exitCode = 1;
  } finally {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await (argv.includes("--lookups-only") ? lookupsOnly() : main());
