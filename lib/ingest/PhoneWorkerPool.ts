import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { CountryCode } from "libphonenumber-js";
import { normalisePhoneNumber, type PhoneNumberResult } from "./phoneNumber.js";

/** Marks a worker started by {@link PhoneWorkerPool}: this module, re-entered with this flag set, serves it. */
const WORKER_FLAG = "factorSyncPhoneWorker";

interface WorkerInput {
  [WORKER_FLAG]: true;
  defaultCountry?: CountryCode;
}

interface Request {
  id: number;
  numbers: string[];
}

interface Reply {
  id: number;
  /** An E.164 number (starts with `+`), or the reason it is not one (starts with `phone_number`). */
  results: string[];
}

/**
 * Phone-number normalisation on worker threads: libphonenumber-js spends most of its time building
 * regular expressions, and this moves that work off the thread that parses the file. Each worker runs this
 * same module (so it works unchanged when esbuild bundles everything into one file), flagged by `workerData`.
 *
 * @example
 * const pool = new PhoneWorkerPool(1, "US");
 * const results = await pool.normalise(["+14155552671", "555-1234"]);
 * await pool.close();
 */
export class PhoneWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<
    number,
    { resolve: (results: string[]) => void; reject: (error: Error) => void }
  >();
  private failure: Error | undefined;
  private nextId = 0;

  public constructor(size: number, defaultCountry?: CountryCode) {
    const input: WorkerInput = { [WORKER_FLAG]: true, defaultCountry };
    for (let i = 0; i < size; i++) {
      const worker = startWorker(new URL(import.meta.url), input);
      worker.on("message", (reply: Reply) => this.settle(reply));
      worker.on("error", (error: Error) => this.fail(error));
      worker.on("exit", (code) => {
        if (code !== 0) this.fail(new Error(`a phone-number worker stopped (exit code ${code})`));
      });
      worker.unref(); // referenced only while it owes an answer
      this.workers.push(worker);
    }
  }

  /** Normalises a batch of phone numbers (trimmed, as written) on the next worker. */
  public normalise(numbers: string[]): Promise<Map<string, PhoneNumberResult>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length] as Worker;
    return new Promise<string[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, numbers } satisfies Request);
    }).then((results) => {
      const map = new Map<string, PhoneNumberResult>();
      numbers.forEach((number, i) => {
        const result = results[i] as string;
        map.set(number, result.startsWith("+") ? { ok: true, e164: result } : { ok: false, reason: result });
      });
      return map;
    });
  }

  /** Stops the workers. */
  public async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    waiter?.resolve(reply.results);
    this.updateRefs();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    this.updateRefs();
  }

  private updateRefs(): void {
    if (this.waiting.size > 0) return;
    for (const worker of this.workers) worker.unref();
  }
}

/** A worker running this module; under tsx (tests, the CLI) the module is TypeScript and needs tsx's loader. */
function startWorker(url: URL, input: WorkerInput): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, { workerData: input });
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, workerData: input });
}

/**
 * Only in a phone worker: a cache in front of `RegExp` for patterns without flags. libphonenumber-js builds
 * the same long patterns again for every number, and V8 drops its own regexp cache at every full GC; flagless
 * regular expressions keep no state between uses, so sharing them is safe. The key is cheap to hash (length
 * and both ends: the patterns are up to kilobytes long) and a hit is confirmed by comparing the whole source.
 * This global is the worker's own; the main thread is never patched.
 */
function cacheRegExps(): void {
  const cache = new Map<string, { source: string; pattern: RegExp }>();
  globalThis.RegExp = new Proxy(RegExp, {
    construct(target, args: unknown[], newTarget) {
      const [source, flags] = args;
      if (typeof source !== "string" || flags !== undefined) {
        return Reflect.construct(target, args, newTarget) as RegExp;
      }
      const key =
        source.length <= 160 ? source : `${source.length}:${source.slice(0, 80)}${source.slice(-80)}`;
      let entry = cache.get(key);
      if (entry === undefined || entry.source !== source) {
        if (cache.size >= 10_000) cache.clear();
        entry = { source, pattern: new target(source) };
        cache.set(key, entry);
      }
      return entry.pattern;
    },
  });
}

function serve(input: WorkerInput): void {
  cacheRegExps();
  parentPort?.on("message", ({ id, numbers }: Request) => {
    const results = numbers.map((number) => {
      const result = normalisePhoneNumber(number, input.defaultCountry);
      return result.ok ? result.e164 : result.reason;
    });
    parentPort?.postMessage({ id, results } satisfies Reply);
  });
}

if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.[WORKER_FLAG] === true) {
  serve(workerData as WorkerInput);
}
