import type { AddressInfo } from "node:net";
import type { EventLoopUtilization } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { cacheDynaliteTables } from "./dynaliteTableCache.js";
import { DynaliteThreadError } from "./errors.js";

/** Marks a worker started by {@link startDynaliteThread}: this module, re-entered with this flag set, serves it. */
const WORKER_FLAG = "factorSyncDynaliteThread";

interface WorkerInput {
  [WORKER_FLAG]: true;
  /** The LevelDB folder; none: in memory. */
  path: string | undefined;
}

type WorkerReply =
  | { kind: "listening"; port: number; tableCache: boolean }
  | { kind: "error"; message: string };

/** A dynalite server running on its own thread. */
export interface DynaliteThread {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Whether dynalite keeps table descriptions in memory (see `cacheDynaliteTables`; false for another version). */
  tableCache: boolean;
  /** How busy the thread's event loop was since `since` (or since it started): where the local lookups are bound. */
  utilization: (since?: EventLoopUtilization) => EventLoopUtilization;
  /** Closes the server (LevelDB flushed and closed) and ends the thread. */
  stop: () => Promise<void>;
}

/**
 * Starts dynalite (the local DynamoDB) on a worker thread, listening on a free loopback port. dynalite spends
 * CPU on every request (parsing, LevelDB, JSON): on its own thread that work runs on another core than the
 * file's parsing and the SDK clients of the main thread, instead of competing with them (ingest's pass 2 makes
 * a BatchGetItem per 100 users). The worker runs this same module, flagged by `workerData`.
 *
 * @throws {@link DynaliteThreadError} when dynalite cannot start (e.g. its folder is locked).
 * @example
 * const dynalite = await startDynaliteThread(".factor-sync/dynamodb");
 * try { ... new DynamoDBClient({ endpoint: dynalite.endpoint }) ... } finally { await dynalite.stop(); }
 */
export async function startDynaliteThread(path: string | undefined): Promise<DynaliteThread> {
  const worker = startWorker(new URL(import.meta.url), { [WORKER_FLAG]: true, path });
  const { port, tableCache } = await new Promise<{ port: number; tableCache: boolean }>((resolve, reject) => {
    const onExit = (code: number) =>
      reject(new DynaliteThreadError(`the dynalite thread stopped (exit code ${code})`));
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.once("message", (reply: WorkerReply) => {
      worker.off("error", reject);
      worker.off("exit", onExit);
      if (reply.kind === "listening") resolve({ port: reply.port, tableCache: reply.tableCache });
      else reject(new DynaliteThreadError(reply.message));
    });
  });
  // The server keeps the process alive only through its clients' requests, as an in-process server would not:
  // an unref'd thread lets a finished command exit even if a caller forgets stop().
  worker.unref();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      worker.once("exit", () => resolve());
      worker.ref(); // waited for now
      worker.postMessage("stop");
    });
    return stopped;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    tableCache,
    utilization: (since) => worker.performance.eventLoopUtilization(since),
    stop,
  };
}

function startWorker(url: URL, input: WorkerInput): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, { workerData: input });
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, workerData: input });
}

/** Only in the worker: start dynalite, say its port, close it when asked. */
async function serve(input: WorkerInput, port: NonNullable<typeof parentPort>): Promise<void> {
  try {
    // Before dynalite builds its store: one read of the table's description per request, not per key.
    const tableCache = cacheDynaliteTables();
    const { default: dynalite } = await import("dynalite");
    const server = dynalite({
      ...(input.path !== undefined ? { path: input.path } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(0, "127.0.0.1", () => done());
    });
    port.on("message", (message: unknown) => {
      if (message !== "stop") return;
      server.close(() => {
        port.close();
      });
    });
    port.postMessage({
      kind: "listening",
      port: (server.address() as AddressInfo).port,
      tableCache,
    } satisfies WorkerReply);
  } catch (error) {
    port.postMessage({ kind: "error", message: (error as Error).message } satisfies WorkerReply);
    port.close();
  }
}

const input = workerData as Partial<WorkerInput> | null;
if (!isMainThread && parentPort !== null && input?.[WORKER_FLAG] === true) {
  await serve(input as WorkerInput, parentPort);
}
