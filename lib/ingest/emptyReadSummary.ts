import type { ReadSummary } from "./types.js";

/**
 * The counts of a file nothing of which has been read yet (a fresh object each call).
 *
 * @example
 * const summary = emptyReadSummary(); // { users: 0, valid: 0, rejected: 0, duplicated: 0, methods: 0, lines: 0, bytes: 0 }
 */
export function emptyReadSummary(): ReadSummary {
  return { users: 0, valid: 0, rejected: 0, duplicated: 0, methods: 0, lines: 0, bytes: 0 };
}
