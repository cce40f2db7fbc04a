/** Base class of the sync state's errors. */
export class SyncError extends Error {
  public override readonly name: string = "SyncError";
}

/** The sync key (the HMAC key of the method sets) is missing, too short, or unreadable. Never quotes the key. */
export class SyncKeyError extends SyncError {
  public override readonly name = "SyncKeyError";

  public constructor(public readonly problem: string) {
    super(`the sync key ${problem}`);
  }
}

/** DynamoDB left keys of a BatchGetItem unprocessed after every retry. */
export class SyncLookupError extends SyncError {
  public override readonly name = "SyncLookupError";

  public constructor(public readonly unprocessed: number) {
    super(`the sync state lookup left ${unprocessed} keys unprocessed after every retry`);
  }
}

/** A source order that cannot be built (no event time). */
export class SourceOrderError extends SyncError {
  public override readonly name = "SourceOrderError";
}

/** An option of the `SyncStateStore` is out of range; `option` names it. A `RangeError`, as such options' errors are. */
export class SyncStateStoreOptionsError extends RangeError {
  public override readonly name = "SyncStateStoreOptionsError";

  public constructor(
    public readonly option: string,
    public readonly problem: string,
  ) {
    super(`SyncStateStore: ${option} ${problem}`);
  }
}
