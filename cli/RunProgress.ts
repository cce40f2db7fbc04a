import type { MigrationProgress } from "../lib/local/types.js";
import { ApplyPace } from "./ApplyPace.js";
import { auth0HoldText } from "./auth0HoldText.js";
import { fitLine, formatCount, formatDuration, formatEta, formatRate } from "./format.js";

/** Shows a run's progress: a line redrawn in place on a terminal, a line every few seconds otherwise, or nothing. */
export interface RunProgress {
  update(progress: MigrationProgress): void;
  stop(): void;
}

/** What both displays need to know about the run. */
export interface RunProgressOptions {
  /** The file as the user typed it. */
  file: string;
  /** `--rps`: a tenant that refills slower than this gets a notice. */
  rps: number;
}

/** A field of a progress line and how soon it is dropped when the line is too wide (higher: sooner). */
interface Field {
  text: string;
  drop: number;
  /** The bar and its percentage: a terminal shows them, a log does not. */
  bar?: true;
}

/** The figures of one moment, for either display. */
class Figures {
  readonly #reading = new ApplyPace({ windowMs: 10_000, minSpanMs: 1_000, minCount: 1 });
  readonly #applying = new ApplyPace();
  #noticeGiven = false;
  #hold: string | undefined;

  public constructor(private readonly options: RunProgressOptions) {}

  /** The fields of the line for `progress`, most important first in order of display. */
  public fields(progress: MigrationProgress): Field[] {
    const resolved = progress.applied + progress.failed;
    this.#reading.add(progress.elapsedMs, progress.read.users);
    this.#applying.add(progress.elapsedMs, resolved);
    const total = progress.users;
    const applyRate = this.#applying.rate();
    const counts: Field[] = [
      { text: `applied ${formatCount(progress.applied)}`, drop: 1.5 },
      { text: `rejected ${formatCount(progress.rejected)}`, drop: 4 },
      { text: `failed ${formatCount(progress.failed)}`, drop: progress.failed > 0 ? 3 : 5 },
    ];
    const rate = applyRate === undefined ? [] : [{ text: `${formatRate(applyRate)} users/s`, drop: 2 }];
    if (total === undefined) {
      const readRate = this.#reading.rate();
      return [
        { text: `reading: ${formatCount(progress.read.lines)} lines`, drop: 0 },
        { text: `${formatCount(progress.read.users)} users`, drop: 0 },
        ...(readRate === undefined ? [] : [{ text: `${formatRate(readRate)} users read/s`, drop: 2 }]),
        ...(progress.applied > 0 ? [counts[0] as Field, ...rate] : []),
      ];
    }
    const done = resolved + progress.rejected;
    const eta = total > done ? this.#applying.etaMs(total - done) : undefined;
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    const held = progress.auth0
      ? [{ text: progress.auth0.reason === "unavailable" ? "waiting for Auth0" : "paused", drop: 0.5 }]
      : [];
    return [
      ...held,
      { text: bar(done, total), drop: 6, bar: true },
      { text: `${percent}%`, drop: 7, bar: true },
      { text: `${formatCount(done)}/${formatCount(total)} users`, drop: 0 },
      ...counts,
      ...rate,
      ...(eta === undefined ? [] : [{ text: `ETA ${formatEta(eta)}`, drop: 1 }]),
    ];
  }

  /**
   * A line of its own whenever the run starts or stops holding its records (Auth0 unavailable, or paused on a
   * configuration error, with what to fix).
   */
  public hold(progress: MigrationProgress): string | undefined {
    const text = progress.auth0 ? auth0HoldText(progress.auth0) : undefined;
    if (text === this.#hold) return undefined;
    const line = text ?? (this.#hold === undefined ? undefined : "Auth0 answers again: resuming");
    this.#hold = text;
    return line;
  }

  /** Once: a note when the tenant's headers show it refills slower than `--rps`. */
  public notice(progress: MigrationProgress): string | undefined {
    const refill = progress.tenantRateLimit?.refillPerSecond;
    if (this.#noticeGiven || refill === undefined || refill >= this.options.rps * 0.9) return undefined;
    this.#noticeGiven = true;
    return `Note: the tenant's x-ratelimit-* headers show its rate limit refills about ${formatRate(refill)} requests/s (bucket of ${formatCount(progress.tenantRateLimit?.limit ?? 0)}), below --rps ${formatRate(this.options.rps)}: this run goes at the tenant's pace.`;
  }
}

const BAR_WIDTH = 20;

function bar(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.min(BAR_WIDTH, Math.floor((done / total) * BAR_WIDTH));
  return `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
}

/** One line redrawn in place, fitted to the terminal's width (80 columns when it does not say). */
export class TerminalProgress implements RunProgress {
  readonly #figures: Figures;
  #lastDrawAt = Number.NEGATIVE_INFINITY;
  #drawn = false;

  public constructor(
    private readonly stream: NodeJS.WriteStream,
    options: RunProgressOptions,
    private readonly everyMs = 200,
  ) {
    this.#figures = new Figures(options);
  }

  public update(progress: MigrationProgress): void {
    const fields = this.#figures.fields(progress);
    const notice = [this.#figures.notice(progress), this.#figures.hold(progress)].filter((line) => line);
    if (notice.length > 0) {
      this.#clear();
      this.stream.write(`${notice.join("\n")}\n`);
    } else if (progress.elapsedMs - this.#lastDrawAt < this.everyMs) return;
    this.#lastDrawAt = progress.elapsedMs;
    // A pseudo-terminal may report 0 columns: then 80.
    const width = (this.stream.columns || 80) - 1;
    this.stream.write(`\r${fitLine(fields, width)}\x1b[K`);
    this.#drawn = true;
  }

  public stop(): void {
    this.#clear();
  }

  #clear(): void {
    if (this.#drawn) this.stream.write("\r\x1b[K");
    this.#drawn = false;
  }
}

/** One plain line every `everyMs` and on each phase change, for logs and CI; 80 columns at most. */
export class LineProgress implements RunProgress {
  readonly #figures: Figures;
  #lastAt = Number.NEGATIVE_INFINITY;
  #lastPhase: string | undefined;

  public constructor(
    private readonly stream: NodeJS.WritableStream,
    options: RunProgressOptions,
    private readonly everyMs = 5000,
  ) {
    this.#figures = new Figures(options);
  }

  public update(progress: MigrationProgress): void {
    const fields = this.#figures.fields(progress);
    const notice = this.#figures.notice(progress);
    if (notice !== undefined) this.stream.write(`${notice}\n`);
    const hold = this.#figures.hold(progress);
    if (hold !== undefined) this.stream.write(`[${formatDuration(progress.elapsedMs)}] ${hold}\n`);
    if (progress.phase === this.#lastPhase && progress.elapsedMs - this.#lastAt < this.everyMs) return;
    this.#lastPhase = progress.phase;
    this.#lastAt = progress.elapsedMs;
    if (progress.phase === "starting" || progress.phase === "done" || progress.phase === "reporting") return;
    if (progress.users === undefined && progress.read.lines === 0 && progress.applied === 0) return;
    // No bar in a log: it is noise there.
    const text = fitLine(
      fields.filter((field) => field.bar === undefined),
      80 - 3 - formatDuration(progress.elapsedMs).length,
      ", ",
    );
    this.stream.write(`[${formatDuration(progress.elapsedMs)}] ${text}\n`);
  }

  public stop(): void {}
}

/** Shows nothing (`--json`), but still gives the rate-limit notice on stderr. */
export class SilentProgress implements RunProgress {
  readonly #figures: Figures;

  public constructor(
    private readonly stream: NodeJS.WritableStream,
    options: RunProgressOptions,
  ) {
    this.#figures = new Figures(options);
  }

  public update(progress: MigrationProgress): void {
    this.#figures.fields(progress);
    const notice = this.#figures.notice(progress);
    if (notice !== undefined) this.stream.write(`${notice}\n`);
  }

  public stop(): void {}
}
