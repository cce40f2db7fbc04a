import { CheckpointStateError } from "./errors.js";
import { SEEN_RECORD_BYTES, SeenUsers } from "./SeenUsers.js";

/** What pass 1 found about a user in one place; pass 2 acts on it. */
export const PlaceState = {
  /** Valid; {@link fastMethods} gives exactly its methods. */
  validFast: 1,
  /** Valid; its methods need the full normalisation again (a national phone number, say). */
  validFull: 2,
  /** Invalid on its own: pass 2 validates it again for its reasons. */
  rejected: 3,
  /** In more than one place: every place is rejected. */
  duplicated: 4,
} as const;

/** One of {@link PlaceState}. */
export type PlaceState = (typeof PlaceState)[keyof typeof PlaceState];

/** What pass 2 does with a user's place. */
export type PlacePlan =
  | { kind: "fast" | "full" | "rejected" }
  /** `lines`: every place of the user, in file order. */
  | { kind: "duplicated"; lines: readonly number[] };

/**
 * What pass 1 of reading remembers about a file's users, and all that pass 2 needs: per user id (as a
 * fingerprint in {@link SeenUsers}) the line where it starts and its {@link PlaceState}; for the few users
 * found in more than one place, the lines of all their places. Nothing else grows with the file.
 *
 * @example
 * const places = new UserPlaces();
 * places.record("auth0|a", 2, () => PlaceState.validFast); // true: a new user
 * places.record("auth0|a", 4, () => PlaceState.validFast); // false: the same user again
 * places.planOf("auth0|a"); // { kind: "duplicated", lines: [2, 4] }
 */
export class UserPlaces {
  private readonly seen = new SeenUsers();
  /** For each duplicated user, its lines; the user's slot holds the index here. */
  private readonly repeats: number[][] = [];

  /** Users recorded (a user in several places once). */
  public get users(): number {
    return this.seen.size;
  }

  /** Users found in more than one place. */
  public get duplicated(): number {
    return this.repeats.length;
  }

  /**
   * Records a place of `userId` starting at `line`. For a new user, `check` says what it is and the user is
   * recorded with it (`true` is returned); for a user already recorded, `check` is not called, the user
   * becomes {@link PlaceState.duplicated}, and what it was before is returned.
   */
  public record(userId: string, line: number, check: () => PlaceState): true | PlaceState {
    const slot = this.seen.find(userId);
    if (slot === -1) {
      this.seen.add(userId, line, check());
      return true;
    }
    const state = this.seen.stateAt(slot) as PlaceState;
    const value = this.seen.valueAt(slot);
    if (state === PlaceState.duplicated) (this.repeats[value] as number[]).push(line);
    else {
      this.repeats.push([value, line]);
      this.seen.setAt(slot, this.repeats.length - 1, PlaceState.duplicated);
    }
    return state;
  }

  /**
   * The whole table as bytes, a chunk at a time, for a checkpoint: a header (users, and the length of the
   * duplicated users' lines as JSON), the users' 13-byte records, then those lines. Read back with
   * {@link UserPlaces.restore}. About 13 bytes a user: flat in the job, an object in S3.
   */
  public *serialise(): Generator<Buffer> {
    const repeats = Buffer.from(JSON.stringify(this.repeats), "utf8");
    const header = Buffer.alloc(PLACES_HEADER_BYTES);
    header.write(PLACES_MAGIC, 0, "latin1");
    header.writeUInt32LE(this.seen.size, 4);
    header.writeUInt32LE(repeats.length, 8);
    yield header;
    yield* this.seen.records();
    yield repeats;
  }

  /**
   * Rebuilds a table from the chunks {@link UserPlaces.serialise} wrote (any chunking).
   * @throws {@link CheckpointStateError} when the bytes are not such a table.
   */
  public static async restore(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<UserPlaces> {
    const places = new UserPlaces();
    let pending: Buffer = Buffer.alloc(0);
    let users = -1;
    let repeatsLength = 0;
    let recordsLeft = 0;
    const tail: Buffer[] = [];
    for await (const chunk of chunks) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (users === -1) {
        if (pending.length < PLACES_HEADER_BYTES) continue;
        if (pending.toString("latin1", 0, 4) !== PLACES_MAGIC)
          throw new CheckpointStateError("not a user table");
        users = pending.readUInt32LE(4);
        repeatsLength = pending.readUInt32LE(8);
        recordsLeft = users;
        pending = pending.subarray(PLACES_HEADER_BYTES);
      }
      if (recordsLeft > 0) {
        const whole = Math.min(recordsLeft, Math.floor(pending.length / SEEN_RECORD_BYTES));
        places.seen.restore(pending.subarray(0, whole * SEEN_RECORD_BYTES));
        recordsLeft -= whole;
        pending = pending.subarray(whole * SEEN_RECORD_BYTES);
      }
      if (recordsLeft === 0 && pending.length > 0) {
        tail.push(pending);
        pending = Buffer.alloc(0);
      }
    }
    const repeats = Buffer.concat(tail);
    if (users === -1 || recordsLeft > 0 || repeats.length !== repeatsLength || places.seen.size !== users) {
      throw new CheckpointStateError("the user table is truncated");
    }
    places.repeats.push(...(JSON.parse(repeats.toString("utf8")) as number[][]));
    return places;
  }

  /** What pass 2 does with the place of `userId`; undefined for a user pass 1 never saw. */
  public planOf(userId: string): PlacePlan | undefined {
    const slot = this.seen.find(userId);
    if (slot === -1) return undefined;
    switch (this.seen.stateAt(slot)) {
      case PlaceState.validFast:
        return FAST;
      case PlaceState.validFull:
        return FULL;
      case PlaceState.rejected:
        return REJECTED;
      default:
        return { kind: "duplicated", lines: this.repeats[this.seen.valueAt(slot)] as number[] };
    }
  }
}

const PLACES_MAGIC = "FSU1";
const PLACES_HEADER_BYTES = 12;

const FAST: PlacePlan = { kind: "fast" };
const FULL: PlacePlan = { kind: "full" };
const REJECTED: PlacePlan = { kind: "rejected" };
