/** Waits `ms` milliseconds; injected wherever code waits, so tests can use a fake clock. */
export type Sleep = (ms: number) => Promise<void>;

/** The real {@link Sleep}, on a timer. */
export const realSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, Math.max(0, ms));
  });
