/** A clock that moves only when told, with a `sleep` that advances it and records each wait. */
export class ManualClock {
  public nowMs: number;
  public readonly sleeps: number[] = [];

  public constructor(startMs = Date.UTC(2026, 10, 29, 18, 0, 0)) {
    this.nowMs = startMs;
  }

  public readonly clock = (): number => this.nowMs;

  public readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.nowMs += ms;
  };

  public advance(ms: number): void {
    this.nowMs += ms;
  }
}
