/**
 * The one exit-code rule of every factor-sync command (README "Exit codes"):
 * 0 done, 1 some users rejected or failed, 2 a usage, file or target error (nothing or not everything could
 * start), 130 interrupted (Ctrl-C), as shells report a process ended by SIGINT.
 *
 * @example
 * process.exitCode = summary.rejected > 0 ? EXIT.notAllApplied : EXIT.ok;
 */
export const EXIT = {
  /** Everything asked for was done: every user valid, applied, exported, moved. */
  ok: 0,
  /** The command ran, but some users were rejected or failed (see the reports). */
  notAllApplied: 1,
  /** A bad command or option, an unreadable or invalid file, a target that refused or could not be used. */
  usage: 2,
  /** Stopped by Ctrl-C. */
  interrupted: 130,
} as const;

/** One of {@link EXIT}'s codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
