import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { CountryCode } from "libphonenumber-js";
import { normalisePhoneNumber, type PhoneNumberResult } from "./phoneNumber.js";
import type { PhoneCheck } from "./types.js";

/** Marks a worker started by {@link PhoneWorkerPool}: this module, re-entered with this flag set, serves it. */
const WORKER_FLAG = "factorSyncPhoneWorker";

interface WorkerInput {
  [WORKER_FLAG]: true;
  defaultCountry?: CountryCode;
  phoneCheck?: PhoneCheck;
}

/** Numbers and results travel as one string joined by line breaks: one copy instead of a clone per string. */
const SEPARATOR = "\n";

interface Request {
  id: number;
  /** Phone numbers as written (trimmed), none containing {@link SEPARATOR}. */
  numbers: string;
}

interface Reply {
  id: number;
  /** For each number, its E.164 form (starts with `+`), or the reason it is not one (starts with `phone_number`). */
  results: string;
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
    { resolve: (results: string) => void; reject: (error: Error) => void }
  >();
  private failure: Error | undefined;
  private closed = false;
  private nextId = 0;

  public constructor(size: number, defaultCountry?: CountryCode, phoneCheck: PhoneCheck = "strict") {
    const input: WorkerInput = { [WORKER_FLAG]: true, defaultCountry, phoneCheck };
    for (let i = 0; i < size; i++) {
      const worker = startWorker(new URL(import.meta.url), input);
      worker.on("message", (reply: Reply) => this.settle(reply));
      worker.on("error", (error: Error) => this.fail(error));
      worker.on("exit", (code) => {
        if (!this.closed) this.fail(new Error(`a phone-number worker stopped (exit code ${code})`));
      });
      worker.unref(); // referenced only while it owes an answer
      this.workers.push(worker);
    }
  }

  /**
   * Normalises a batch of phone numbers (trimmed, as written) on the next worker. A number containing a line
   * break is left out of the answer (it is not a phone number; the caller normalises it itself).
   */
  public normalise(numbers: readonly string[]): Promise<Map<string, PhoneNumberResult>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const sent = numbers.filter((number) => !number.includes(SEPARATOR));
    if (sent.length === 0) return Promise.resolve(new Map());
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length] as Worker;
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, numbers: sent.join(SEPARATOR) } satisfies Request);
    }).then((joined) => {
      const results = joined.split(SEPARATOR);
      const map = new Map<string, PhoneNumberResult>();
      for (let i = 0; i < sent.length; i++) {
        const result = results[i] as string;
        map.set(
          sent[i] as string,
          result.startsWith("+") ? { ok: true, e164: result } : { ok: false, reason: result },
        );
      }
      return map;
    });
  }

  /** Stops the workers. */
  public async close(): Promise<void> {
    this.closed = true;
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
  // A small young generation: the worker's garbage is tiny strings, and this keeps the process under 200 MB.
  const resourceLimits = { maxYoungGenerationSizeMb: 8 };
  if (!url.pathname.endsWith(".ts")) return new Worker(url, { workerData: input, resourceLimits });
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, workerData: input, resourceLimits });
}

/**
 * Only in a phone worker: a cache in front of `RegExp` for patterns without flags. libphonenumber-js builds
 * the same long patterns again for every number (and V8 drops its own regexp cache at every full GC): with
 * the cache, a number takes about half the time. Flagless regular expressions keep no state between uses,
 * so sharing them is safe. Entries are found by length, then compared whole: hashing a pattern of a few
 * kilobytes on every call would cost most of what the cache saves. This global is the worker's own; the
 * main thread is never patched.
 */
function cacheRegExps(): void {
  const byLength = new Map<number, { source: string; pattern: RegExp }[]>();
  let size = 0;
  globalThis.RegExp = new Proxy(RegExp, {
    construct(target, args: unknown[], newTarget) {
      const [source, flags] = args;
      if (typeof source !== "string" || flags !== undefined) {
        return Reflect.construct(target, args, newTarget) as RegExp;
      }
      let entries = byLength.get(source.length);
      if (entries === undefined) {
        if (size >= 10_000) {
          byLength.clear();
          size = 0;
        }
        entries = [];
        byLength.set(source.length, entries);
      }
      for (const entry of entries) if (entry.source === source) return entry.pattern;
      const pattern = new target(source);
      entries.push({ source, pattern });
      size++;
      return pattern;
    },
  });
}

function serve(input: WorkerInput): void {
  cacheRegExps();
  parentPort?.on("message", ({ id, numbers }: Request) => {
    if (numbers === "") {
      parentPort?.postMessage({ id, results: "" } satisfies Reply);
      return;
    }
    const results = numbers.split(SEPARATOR).map((number) => {
      const result = normalisePhoneNumber(number, input.defaultCountry, input.phoneCheck);
      // A reason quotes the number as written, which has no line break, so it has none either.
      return result.ok ? result.e164 : result.reason;
    });
    parentPort?.postMessage({ id, results: results.join(SEPARATOR) } satisfies Reply);
  });
}

if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.[WORKER_FLAG] === true) {
  serve(workerData as WorkerInput);
}
