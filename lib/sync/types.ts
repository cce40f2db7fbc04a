/**
 * What the jobs table keeps about one user of one tenant (design.md, "Jobs and sync state"): what this tool last
 * applied (an HMAC of the method set, never a factor value), when, by which job, and the order of the file it
 * came from; and the newest job that means to write the user (its claim), with a lease while a PUT is in flight.
 */
export interface SyncState {
  /** HMAC-SHA256 (base64url) of the method set last applied; see {@link methodSetHmac}. */
  hmac?: string;
  /** The source order of the file whose methods were last applied. */
  appliedOrder?: string;
  appliedJob?: string;
  /** ISO 8601. */
  appliedAt?: string;
  /** The source order of the newest job that claimed the user (ingest before sending, apply before its PUT). */
  claimOrder?: string;
  claimJob?: string;
  /** The order of a PUT in flight, and until when (epoch ms) its lease holds. */
  putOrder?: string;
  putUntil?: number;
}

/**
 * What ingest puts in a user's message for apply: the tenant the state is kept under, the HMAC of the methods
 * (apply writes it after a 2xx, so apply needs no key), and the file's source order.
 */
export interface SyncStamp {
  tenant: string;
  hmac: string;
  order: string;
}

/** How apply's claim before a PUT ended. */
export type PutClaim =
  /** The user is this record's to PUT. */
  | "claimed"
  /** A newer file's methods were applied or are being applied: no PUT. */
  | "superseded"
  /** Another record's PUT for the user is in flight (its lease holds): try again shortly. */
  | "busy";

/** A claim ingest made before sending a user, with the claim it replaced (see `SyncStateStore.claimToSend`). */
export interface SendClaim {
  order: string;
  jobId: string;
  /** The user's claim before this one; none: it had none. */
  previousOrder?: string;
  previousJob?: string;
}
