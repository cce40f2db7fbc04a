import { SingleBar } from "cli-progress";
import type { MigrationProgress } from "../lib/local/types.js";
import { auth0HoldText } from "./auth0HoldText.js";
import { formatDuration } from "./formatDuration.js";

/** Shows a run's progress: a bar on a terminal, a line every few seconds otherwise, or nothing. */
export interface RunProgress {
  update(progress: MigrationProgress): void;
  stop(): void;
}

/** Users done (in a final state) out of the file's users, and the pace of the apply side. */
interface Figures {
  done: number;
  total: number | undefined;
  rate: number;
  etaMs: number;
}

/** Derives done, rate and ETA; the rate counts users applied or failed since the first of them. */
class Pace {
  #firstAt: number | undefined;

  public figures(progress: MigrationProgress): Figures {
    const resolved = progress.applied + progress.failed;
    if (resolved > 0) this.#firstAt ??= progress.elapsedMs;
    const seconds = this.#firstAt === undefined ? 0 : (progress.elapsedMs - this.#firstAt) / 1000;
    const rate = seconds > 0 ? resolved / seconds : 0;
    const done = resolved + progress.rejected;
    const total = progress.users;
    const left = total === undefined ? Number.NaN : total - done;
    return { done, total, rate, etaMs: rate > 0 ? (left / rate) * 1000 : Number.NaN };
  }
}

/** A cli-progress bar (sent, applied, rejected, failed, rate, ETA), for a terminal. */
export class BarProgress implements RunProgress {
  readonly #bar: SingleBar;
  readonly #pace = new Pace();
  readonly #stream: NodeJS.WritableStream;
  #started = false;
  #announced = false;

  public constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
    this.#bar = new SingleBar({
      stream,
      format:
        "{bar} {percentage}% | {value}/{total} users | sent {sent} | applied {applied} | rejected {rejected} | failed {failed} | {rate}/s | ETA {left}{auth0}",
      barsize: 24,
      hideCursor: true,
      fps: 5,
    });
  }

  public update(progress: MigrationProgress): void {
    const figures = this.#pace.figures(progress);
    const payload = {
      sent: progress.sent ?? "…",
      applied: progress.applied,
      rejected: progress.rejected,
      failed: progress.failed,
      rate: figures.rate.toFixed(1),
      left: formatDuration(figures.etaMs),
      auth0: progress.auth0 ? ` | ${auth0HoldText(progress.auth0)}` : "",
    };
    const total = figures.total;
    if (total === undefined) {
      // The bar needs the file's user count, known once the whole file has been read.
      if (!this.#announced) this.#stream.write("Reading the file and queueing its users...\n");
      this.#announced = true;
      return;
    }
    if (!this.#started) {
      this.#bar.start(total, figures.done, payload);
      this.#started = true;
    } else {
      this.#bar.setTotal(total);
      this.#bar.update(figures.done, payload);
    }
  }

  public stop(): void {
    if (this.#started) this.#bar.stop();
  }
}

/** One plain line every `everyMs` and on each phase change, for logs and CI. */
export class LineProgress implements RunProgress {
  readonly #pace = new Pace();
  #lastAt = Number.NEGATIVE_INFINITY;
  #lastPhase: string | undefined;
  #lastHold: string | undefined;

  public constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly everyMs = 5000,
  ) {}

  public update(progress: MigrationProgress): void {
    const figures = this.#pace.figures(progress);
    const hold = progress.auth0 ? auth0HoldText(progress.auth0) : undefined;
    if (
      progress.phase === this.#lastPhase &&
      hold === this.#lastHold &&
      progress.elapsedMs - this.#lastAt < this.everyMs
    ) {
      return;
    }
    this.#lastHold = hold;
    this.#lastPhase = progress.phase;
    this.#lastAt = progress.elapsedMs;
    if (progress.phase === "starting" || progress.phase === "done") return;
    const of = figures.total === undefined ? "" : ` of ${figures.total}`;
    const eta = Number.isFinite(figures.etaMs) ? `, ETA ${formatDuration(figures.etaMs)}` : "";
    this.stream.write(
      `[${formatDuration(progress.elapsedMs)}] ${progress.phase}: ${figures.done}${of} users done (sent ${progress.sent ?? "…"}, applied ${progress.applied}, rejected ${progress.rejected}, failed ${progress.failed}), ${figures.rate.toFixed(1)} users/s${eta}${hold ? ` | ${hold}` : ""}\n`,
    );
  }

  public stop(): void {}
}

/** Shows nothing (`--json`). */
export const silentProgress: RunProgress = { update() {}, stop() {} };
