/** One reading of a count at a time. */
interface Sample {
  atMs: number;
  count: number;
}

/** Options of {@link ApplyPace}. */
export interface ApplyPaceOptions {
  /** The recent window the rate is measured over. @default 20_000 */
  windowMs?: number;
  /** No rate before this much time of readings: the first seconds say little. @default 5_000 */
  minSpanMs?: number;
  /** No rate before this many users were applied within the window. @default 10 */
  minCount?: number;
}

/**
 * The rate of a count (users applied) over a recent window, and the time left at that rate: what a progress
 * line shows. Rejected users are not in the count (they cost no request), and nothing is shown until the window
 * holds enough to mean something.
 *
 * @example
 * const pace = new ApplyPace();
 * pace.add(elapsedMs, progress.applied);
 * pace.rate(); // users per second, or undefined while not meaningful
 * pace.etaMs(left); // milliseconds, or undefined
 */
export class ApplyPace {
  readonly #samples: Sample[] = [];
  readonly #windowMs: number;
  readonly #minSpanMs: number;
  readonly #minCount: number;

  public constructor(options: ApplyPaceOptions = {}) {
    this.#windowMs = options.windowMs ?? 20_000;
    this.#minSpanMs = options.minSpanMs ?? 5_000;
    this.#minCount = options.minCount ?? 10;
  }

  /** Records the count at `atMs` (elapsed time of the run). */
  public add(atMs: number, count: number): void {
    const last = this.#samples.at(-1);
    if (last !== undefined && last.atMs === atMs) last.count = count;
    else this.#samples.push({ atMs, count });
    // Keep one sample older than the window, so the window is always fully covered.
    while (this.#samples.length > 2 && (this.#samples[1] as Sample).atMs <= atMs - this.#windowMs) {
      this.#samples.shift();
    }
  }

  /** Per second over the window, or undefined until it is meaningful. */
  public rate(): number | undefined {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined) return undefined;
    const span = last.atMs - first.atMs;
    const count = last.count - first.count;
    if (span < this.#minSpanMs || count < this.#minCount) return undefined;
    return (count * 1000) / span;
  }

  /** Time to do `left` more at the current rate, or undefined while there is no rate. */
  public etaMs(left: number): number | undefined {
    const rate = this.rate();
    if (rate === undefined || rate <= 0 || left < 0) return undefined;
    return (left / rate) * 1000;
  }
}
