import { availableParallelism } from "node:os";
import type { Readable } from "node:stream";
import type { RejectedUser } from "../factors/types.js";
import { emptyReadSummary } from "./emptyReadSummary.js";
import { InputChangedError, InputFileError } from "./errors.js";
import { fastMethods, sameMethods } from "./fastMethods.js";
import { PhoneWorkerPool } from "./PhoneWorkerPool.js";
import type { PhoneNumberResult } from "./phoneNumber.js";
import { type DraftBatch, phoneNumbersOf, readDraftBatches } from "./readDraftBatches.js";
import type { FileKind, ReadOptions, ReadPosition, ReadSummary, ReadUser, UserDraft } from "./types.js";
import { type PlacePlan, PlaceState, UserPlaces } from "./UserPlaces.js";
import { createUserValidator, type UserValidator } from "./validateUser.js";

/**
 * Opens the file for one pass, from byte `fromByte` of the object (0 but for an uncompressed file read from a
 * checkpoint: a range read). Called once a pass, and every time it must give the same bytes (the same object
 * version).
 */
export type OpenInput = (fromByte: number) => Readable | Promise<Readable>;

/**
 * What pass 1 found: the counts of the whole file, and the file-level error that stopped it, if any; or, when
 * it was told to stop (`shouldStop`), where it stopped (`cut`): the counts are then those up to there.
 */
export interface FileCheck {
  summary: Readonly<ReadSummary>;
  /** Set when the file could not be read to its end: nothing of it may be sent. */
  fileError?: InputFileError;
  /** Set when pass 1 stopped early: resume it there (a continuation). */
  cut?: ReadPosition;
}

/**
 * Where a reading resumes in a new invocation (a checkpoint): the pass and position, pass 1's table of users
 * and counts, and pass 2's counts so far.
 */
export interface ReaderResume {
  pass: 1 | 2;
  position: ReadPosition;
  places: UserPlaces;
  summary: ReadSummary;
  /** Pass 2's counts up to `position` (zero in pass 1). */
  progress: PassProgress;
  /** Pass 1's file error, when it had one (pass 2 then stops at the same place). */
  fileError?: InputFileError;
}

/** How a reading is steered from outside: where it starts again, and when it must stop. */
export interface ReaderControl {
  /** @default a reading from the beginning */
  resume?: ReaderResume;
  /**
   * Asked after each user of pass 1 (where a checkpoint could be cut): true stops pass 1 there (`cut`). Pass 2
   * is stopped by its consumer, after any yielded user with an `end`.
   * @default never
   */
  shouldStop?: () => boolean;
}

/**
 * Reading one file in two passes. {@link UserFactorsReader.check} is pass 1: it reads and validates the whole
 * file and finds the users that are in more than one place, sending nothing. Iterating is pass 2: it reads
 * the file again and yields every place of a user in file order, valid (normalised) or rejected (with every
 * reason). `summary` holds pass 1's counts once it is over (`methods` grows as pass 2 yields valid users).
 */
export interface UserFactorsReader extends AsyncIterable<ReadUser> {
  readonly summary: ReadSummary;
  /** Users pass 2 has yielded so far (a user in several places once, at its first place). */
  readonly progress: Readonly<PassProgress>;
  /** Pass 1's table of users (what a checkpoint saves once pass 1 is over or cut). */
  readonly places: UserPlaces;
  /**
   * Where reading resumes after the place pass 2 yielded last, when that is known exactly (a checkpoint may be
   * cut there); undefined before the first or after a place whose end is not known (a malformed CSV row).
   */
  readonly lastEnd: ReadPosition | undefined;
  /** Pass 1 (run once; iterating runs it first when it has not run). A file-level error is returned, not thrown. */
  check(): Promise<FileCheck>;
}

/** Users one pass has counted so far. */
export interface PassProgress {
  users: number;
  valid: number;
  rejected: number;
}

const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
/** The plan of a place without a user id: rejected (for that reason), on its own. */
const REJECTED: PlacePlan = { kind: "rejected" };

/**
 * Reads a file of desired factors (CSV or JSONL, gzip or not) as design.md says, in two passes, because a
 * user in more than one place (non-contiguous CSV rows, two JSONL lines) is rejected in every place and
 * nothing of it is sent, which is known only at the end of the file. Pass 1 validates every user and keeps,
 * per user id, a fingerprint, its first line and what it found ({@link UserPlaces}); pass 2 yields the users,
 * re-validating only the rejected ones (for their reasons) and those whose methods the shortcut of
 * {@link fastMethods} would not give exactly. Memory does not grow with the file but for that table.
 *
 * File-level problems (header, empty file, corrupt gzip, a runaway CSV row) are found by pass 1 and returned
 * by `check()`; pass 2 then yields the users before the problem and throws it as an {@link InputFileError}.
 * Errors of the input stream itself (the network, say) are thrown as they are, by either pass.
 *
 * @throws {@link InputChangedError} from pass 2 when the second reading differs from the first.
 * @example
 * const reader = readUserFactors(() => createReadStream(path), detectFileKind(path), { defaultCountry: "US" });
 * const { fileError } = await reader.check(); // pass 1: nothing sent yet
 * for await (const read of reader) {
 *   if (read.kind === "valid" && fileError === undefined) await send(read.user);
 *   else if (read.kind === "rejected") rejects.push(read.user);
 * }
 * console.log(reader.summary); // { users, valid, rejected, duplicated, methods, lines, bytes }
 */
export function readUserFactors(
  open: OpenInput,
  kind: FileKind,
  options: ReadOptions = {},
  control: ReaderControl = {},
): UserFactorsReader {
  const { resume } = control;
  const shouldStop = control.shouldStop ?? (() => false);
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const phoneWorkers = options.phoneWorkers ?? (availableParallelism() >= 2 ? 1 : 0);
  const validate = createUserValidator({
    format: kind.format,
    allowClear: options.allowClear,
    defaultCountry: options.defaultCountry,
    phoneCheck: options.phoneCheck,
  });
  const summary: ReadSummary = resume !== undefined ? { ...resume.summary } : emptyReadSummary();
  const places = resume?.places ?? new UserPlaces();
  let pass1: Promise<FileCheck> | undefined =
    resume?.pass === 2
      ? Promise.resolve({
          summary: { ...summary },
          ...(resume.fileError !== undefined ? { fileError: resume.fileError } : {}),
        })
      : undefined;
  let started = false;
  const seen: PassProgress =
    resume?.pass === 2 ? { ...resume.progress } : { users: 0, valid: 0, rejected: 0 };
  /** Where each pass starts: the beginning, or the checkpoint for the pass it was cut in. */
  const startOf = (pass: 1 | 2): ReadPosition | undefined =>
    resume?.pass === pass && resume.position.byte > 0 ? resume.position : undefined;
  const openAt = (start: ReadPosition | undefined) => open(kind.gzip || start === undefined ? 0 : start.byte);

  /** Worker threads for phone numbers, started when a pass first has numbers for them. */
  const workers = () => {
    let pool: PhoneWorkerPool | undefined;
    return {
      normalise:
        phoneWorkers > 0
          ? (numbers: string[]) => {
              pool ??= new PhoneWorkerPool(phoneWorkers, options.defaultCountry, options.phoneCheck);
              return pool.normalise(numbers);
            }
          : undefined,
      close: async () => pool?.close(),
    };
  };

  const check = async (): Promise<FileCheck> => {
    const pool = workers();
    let fileError: InputFileError | undefined;
    let cut: ReadPosition | undefined;
    const start = startOf(1);
    try {
      const batches = readDraftBatches(await openAt(start), kind, {
        maxRecordBytes,
        normalise: pool.normalise,
        start,
        onProgress: (lines, bytes) => {
          summary.lines = lines;
          summary.bytes = bytes;
        },
      });
      scan: for await (const batch of batches) {
        for (const draft of batch.drafts) {
          firstLook(draft, batch, places, validate, summary);
          const end = endOf(draft, batch);
          if (end !== undefined && shouldStop()) {
            cut = end;
            // What was read ahead of the cut is read again by the next invocation.
            summary.lines = draft.endLine;
            summary.bytes = end.byte;
            break scan;
          }
        }
        options.onProgress?.(summary);
      }
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error;
      fileError = error;
    } finally {
      await pool.close();
    }
    summary.duplicated = places.duplicated;
    return {
      summary: { ...summary },
      ...(fileError !== undefined ? { fileError } : {}),
      ...(cut !== undefined ? { cut } : {}),
    };
  };

  async function* secondPass(): AsyncGenerator<ReadUser> {
    pass1 ??= check();
    const { fileError, cut } = await pass1;
    if (cut !== undefined) throw new Error("pass 1 was cut: resume it before reading pass 2");
    const pool = workers();
    // Each place's plan, looked up once a batch: when the batch is sealed (for its phone numbers) or read.
    const plans = new WeakMap<readonly UserDraft[], (PlacePlan | undefined)[]>();
    const plansOf = (drafts: readonly UserDraft[]) => {
      let planned = plans.get(drafts);
      if (planned === undefined) {
        planned = drafts.map((draft) => (draft.userId === "" ? REJECTED : places.planOf(draft.userId)));
        plans.set(drafts, planned);
      }
      return planned;
    };
    const start = startOf(2);
    try {
      const batches = readDraftBatches(await openAt(start), kind, {
        maxRecordBytes,
        normalise: pool.normalise,
        start,
        // Only places validated again need their numbers: the fast ones are E.164 already.
        numbersOf: (drafts) => {
          const planned = plansOf(drafts);
          return phoneNumbersOf(drafts.filter((_, i) => planned[i]?.kind !== "fast"));
        },
      });
      try {
        for await (const batch of batches) {
          const planned = plansOf(batch.drafts);
          for (let i = 0; i < batch.drafts.length; i++) {
            const draft = batch.drafts[i] as UserDraft;
            const read = secondLook(draft, planned[i], batch.phones, validate, seen);
            if (read.kind === "valid") summary.methods += read.user.methods.length;
            reading.lastEnd = endOf(draft, batch);
            yield read;
          }
        }
      } catch (error) {
        // The same file error as pass 1's, at the same place: anything else means the bytes changed.
        if (!(error instanceof InputFileError)) throw error;
        if (fileError === undefined || error.message !== fileError.message) {
          throw new InputChangedError(`pass 2 stopped with "${error.name}" where pass 1 did not`);
        }
        throw fileError;
      }
      if (fileError !== undefined) throw new InputChangedError("pass 2 read past pass 1's file error");
    } finally {
      await pool.close();
    }
    if (seen.users !== summary.users || seen.valid !== summary.valid || seen.rejected !== summary.rejected) {
      throw new InputChangedError(
        `pass 1 counted ${summary.users} users (${summary.valid} valid), pass 2 ${seen.users} (${seen.valid} valid)`,
      );
    }
  }

  const reading: UserFactorsReader & { lastEnd: ReadPosition | undefined } = {
    summary,
    progress: seen,
    places,
    lastEnd: undefined,
    check: () => {
      pass1 ??= check();
      return pass1;
    },
    [Symbol.asyncIterator](): AsyncIterator<ReadUser> {
      if (started) throw new Error("a UserFactorsReader can be iterated only once");
      started = true;
      return secondPass();
    },
  };
  return reading;
}

/** Where reading resumes after a place, when that is known exactly. */
function endOf(draft: UserDraft, batch: DraftBatch): ReadPosition | undefined {
  if (!Number.isFinite(draft.endByte)) return undefined;
  return {
    byte: draft.endByte,
    line: draft.endLine + 1,
    ...(batch.header !== undefined ? { header: batch.header } : {}),
  };
}

/** Pass 1 for one place: validates a new user and counts it; a repeated user turns rejected, counted once. */
function firstLook(
  draft: UserDraft,
  batch: DraftBatch,
  places: UserPlaces,
  validate: UserValidator,
  summary: ReadSummary,
): void {
  // Without an id a place is no user pass 2 could find again: it is rejected (for that reason) on its own.
  if (draft.userId === "") {
    summary.users++;
    summary.rejected++;
    return;
  }
  let valid = false;
  const recorded = places.record(draft.userId, draft.line, () => {
    const result = validate(draft, batch.phones);
    if (result.kind === "rejected") return PlaceState.rejected;
    valid = true;
    const fast = fastMethods(draft);
    return fast !== undefined && sameMethods(fast, result.user.methods)
      ? PlaceState.validFast
      : PlaceState.validFull;
  });
  if (recorded === true) {
    summary.users++;
    if (valid) summary.valid++;
    else summary.rejected++;
  } else if (recorded === PlaceState.validFast || recorded === PlaceState.validFull) {
    // Counted valid at its first place: it is one rejected user now.
    summary.valid--;
    summary.rejected++;
  }
}

/** Pass 2 for one place: what pass 1 found decides; only rejected and unusual places are validated again. */
function secondLook(
  draft: UserDraft,
  plan: PlacePlan | undefined,
  phones: ReadonlyMap<string, PhoneNumberResult> | undefined,
  validate: UserValidator,
  seen: PassProgress,
): ReadUser {
  if (plan === undefined)
    throw new InputChangedError(`pass 2 found a user on line ${draft.line} that pass 1 did not`);
  if (plan.kind === "fast") {
    const methods = fastMethods(draft);
    if (methods === undefined) throw new InputChangedError(`line ${draft.line} read differently in pass 2`);
    seen.users++;
    seen.valid++;
    return { kind: "valid", user: { userId: draft.userId, line: draft.line, methods } };
  }
  const result = validate(draft, phones);
  if (plan.kind === "duplicated") {
    if (plan.lines[0] === draft.line) {
      seen.users++;
      seen.rejected++;
    }
    return { kind: "rejected", user: duplicateRejection(draft, plan.lines, result) };
  }
  if ((plan.kind === "full") !== (result.kind === "valid")) {
    throw new InputChangedError(`line ${draft.line} validated differently in pass 2`);
  }
  seen.users++;
  if (result.kind === "valid") seen.valid++;
  else seen.rejected++;
  return result;
}

/** The rejection of one place of a user found in several: the other places first, then this place's own reasons. */
function duplicateRejection(draft: UserDraft, lines: readonly number[], result: ReadUser): RejectedUser {
  const others = lines.filter((line) => line !== draft.line);
  const where =
    others.length === 1
      ? `line ${others[0]}`
      : `lines ${others.slice(0, -1).join(", ")} and ${others[others.length - 1]}`;
  const errors = [
    `the same user_id is also on ${where}: a user's methods must all be in one place (contiguous CSV rows, or one JSONL line), so no part of this user is sent`,
  ];
  if (result.kind === "rejected") errors.push(...result.user.errors);
  return { line: draft.line, userId: draft.userId, errors };
}
