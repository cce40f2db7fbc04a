/** Formatting of figures for people: thousands separators, human precision, durations. */

const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/**
 * A count with thousands separators: `1,234,567`.
 *
 * @example
 * formatCount(50000); // "50,000"
 */
export function formatCount(value: number): string {
  return INTEGER.format(value);
}

/**
 * A rate with the precision it deserves: one decimal below 10, whole numbers above, with separators.
 *
 * @example
 * formatRate(7.46); // "7.5"
 * formatRate(12873.2); // "12,873"
 */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return "?";
  return value < 10 ? value.toFixed(1) : INTEGER.format(Math.round(value));
}

/**
 * A measured duration: `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 07 min`.
 *
 * @example
 * formatDuration(14_300); // "14.3 s"
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return minutesAndHours(Math.round(seconds));
}

/**
 * A time left, never more precise than it can be: whole seconds under a minute (at least 1 s), then to the
 * 5 seconds under 10 minutes, then minutes.
 *
 * @example
 * formatEta(925); // "1 s"
 * formatEta(61_000); // "1 min 00 s"
 */
export function formatEta(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 600) return minutesAndHours(Math.round(seconds / 5) * 5);
  return minutesAndHours(Math.round(seconds / 60) * 60);
}

function minutesAndHours(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    const rest = seconds % 60;
    return minutes >= 10 && rest === 0
      ? `${minutes} min`
      : `${minutes} min ${String(rest).padStart(2, "0")} s`;
  }
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/**
 * Joins fields with `sep`, dropping the least important ones (highest `drop` first) until the line fits
 * `width` columns; the fields keep their order.
 *
 * @example
 * fitLine([{ text: "12,000/50,000 users", drop: 0 }, { text: "ETA 3 min", drop: 1 }], 20); // "12,000/50,000 users"
 */
export function fitLine(
  fields: readonly { text: string; drop: number }[],
  width: number,
  sep = " | ",
): string {
  const kept = [...fields];
  const length = () =>
    kept.reduce((sum, field) => sum + [...field.text].length, 0) + sep.length * Math.max(0, kept.length - 1);
  while (kept.length > 1 && length() > width) {
    const worst = kept.reduce((a, b) => (b.drop >= a.drop ? b : a));
    kept.splice(kept.indexOf(worst), 1);
  }
  const line = kept.map((field) => field.text).join(sep);
  return [...line].length > width ? `${[...line].slice(0, Math.max(0, width - 1)).join("")}…` : line;
}
