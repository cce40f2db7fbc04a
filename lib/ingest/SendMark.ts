import * as z from "zod";

/**
 * How far an invocation that resumed checkpoint `seq` has sent without a gap: every valid user starting at or
 * before `line` (since the checkpoint) was taken by SQS, `sent` of them, or found unchanged (incremental sync,
 * not sent), `unchanged` of them. Written into the job with each
 * reservation of users (lib/jobs/SentReservation.ts), so it costs no write of its own; an invocation that takes
 * over the same checkpoint after this one died skips those users instead of sending them again
 * (docs/continuation.md, "A crash between checkpoints").
 */
export interface SendMarkValue {
  seq: number;
  line: number;
  sent: number;
  unchanged: number;
}

const count = z.number().int().nonnegative();
const markSchema = z.object({
  seq: count,
  line: z.number().int().positive(),
  sent: count,
  unchanged: z._default(count, 0),
});

/**
 * Reads a send mark back from the job (`undefined` when there is none or it is not one).
 *
 * @example
 * const mark = parseSendMark(JSON.parse(item.ingestMark.S));
 */
export function parseSendMark(value: unknown): SendMarkValue | undefined {
  const parsed = markSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

interface Tracked {
  line: number;
  state: "pending" | "sent" | "unsent" | "unchanged";
}

/** Entries settled at the head are dropped in slices of this many (no `shift` per user). */
const COMPACT_EVERY = 1024;

/**
 * Follows the users an invocation puts on the work queue, in file order, as their sends settle in any order, and
 * keeps the longest prefix that SQS took entirely. A user that SQS refused stops the mark for the rest of the
 * invocation (it is written to the unsent report, which a taking-over invocation would not have; sending it
 * again is not sending it twice).
 *
 * @example
 * const mark = new SendMark(checkpoint.seq);
 * await queue.enqueue(user, mark.track(user.line));
 * job.beforeSend(mark.value); // written with the next reservation
 */
export class SendMark {
  private readonly tracked: Tracked[] = [];
  private head = 0;
  private stopped = false;
  private current: SendMarkValue | undefined;

  /**
   * @param seq the checkpoint this invocation resumed (0 for the first invocation)
   * @param from the mark of an invocation that died holding the same checkpoint: this one goes on from it
   */
  public constructor(
    private readonly seq: number,
    from?: SendMarkValue,
  ) {
    this.current = from !== undefined ? { ...from, seq } : undefined;
  }

  /** The mark as it stands (undefined until a first user is sent). */
  public get value(): SendMarkValue | undefined {
    return this.current;
  }

  /** Registers the next user sent, starting at `line`; the callback is the queue's `settled`. */
  public track(line: number): (sent: boolean) => void {
    // Stopped: nothing after a refused user counts, so nothing more needs following.
    if (this.stopped) return () => {};
    const entry: Tracked = { line, state: "pending" };
    this.tracked.push(entry);
    return (sent) => {
      entry.state = sent ? "sent" : "unsent";
      this.advance();
    };
  }

  /** Registers the next valid user, starting at `line`, as not to be sent: the sync state found it unchanged. */
  public unchanged(line: number): void {
    if (this.stopped) return;
    this.tracked.push({ line, state: "unchanged" });
    this.advance();
  }

  private advance(): void {
    while (!this.stopped && this.head < this.tracked.length) {
      const first = this.tracked[this.head] as Tracked;
      if (first.state === "pending") break;
      if (first.state === "unsent") {
        this.stopped = true;
        break;
      }
      const sent = (this.current?.sent ?? 0) + (first.state === "sent" ? 1 : 0);
      const unchanged = (this.current?.unchanged ?? 0) + (first.state === "unchanged" ? 1 : 0);
      this.current = { seq: this.seq, line: first.line, sent, unchanged };
      this.head += 1;
    }
    if (this.head >= COMPACT_EVERY) {
      this.tracked.splice(0, this.head);
      this.head = 0;
    }
  }
}
