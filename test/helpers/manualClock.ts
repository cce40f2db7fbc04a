interface Timer {
  atMs: number;
  order: number;
  resolve: () => void;
}

/**
 * A fake clock with fake timers: `sleep` resolves only when {@link ManualClock.run} moves time to its end, so
 * concurrent sleepers wake in the order real timers would. Every requested wait is recorded in `sleeps`.
 */
export class ManualClock {
  public nowMs: number;
  public readonly sleeps: number[] = [];
  readonly #timers: Timer[] = [];
  #order = 0;

  public constructor(startMs = Date.UTC(2026, 10, 29, 18, 0, 0)) {
    this.nowMs = startMs;
  }

  public readonly clock = (): number => this.nowMs;

  public readonly sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.#timers.push({ atMs: this.nowMs + Math.max(0, ms), order: this.#order++, resolve });
    });
  };

  /** Moves time forward without waking anyone (time that passes while work is done). */
  public advance(ms: number): void {
    this.nowMs += ms;
  }

  /** Runs `work`, firing timers in time order whenever it is blocked, until it settles. */
  public async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return work;
      this.#timers.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
      const next = this.#timers.shift();
      if (!next) throw new Error("ManualClock: the work is blocked on something other than a timer");
      this.nowMs = Math.max(this.nowMs, next.atMs);
      next.resolve();
    }
  }
}
