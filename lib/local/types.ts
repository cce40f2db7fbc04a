import type { CountryCode } from "libphonenumber-js";
import type { ApplyOptions } from "../apply/types.js";
import type { Auth0Credentials } from "../auth0/TokenProvider.js";
import type { IngestContext } from "../ingest/createIngestHandler.js";
import type { MaxRejected } from "../ingest/rejectionTolerance.js";
import type { PhoneCheck } from "../ingest/types.js";
import type { JobStatus } from "../jobs/types.js";
import type { Logger } from "../logging/Logger.js";
import type { IngestTooManyRejected } from "../reports/IngestSummary.js";
import type { SyncForecast } from "../sync/countUnchanged.js";
import type { ObservedRateLimit } from "./TenantRateObserver.js";

/** The Auth0 tenant a local run writes to: a real one, or the bundled simulator. */
export interface Auth0Target {
  /** `tenant.eu.auth0.com`, or a base URL such as the simulator's `http://127.0.0.1:PORT`. */
  domain: string;
  clientId: string;
  clientSecret: string;
  /**
   * The name the sync state is kept under (issue 11). @default the domain's host, lower-case; the bundled
   * simulator, whose port changes every run, is always `bundled-simulator`
   */
  tenant?: string;
  /**
   * Reads the credentials again (the CLI re-reads `.env`): then they are re-read after every failed token
   * request and every 5 minutes, a refused secret pauses the run instead of stopping it, and fixing it resumes
   * the run by itself. Without it, `clientId`/`clientSecret` are fixed and a refused secret stops the run
   * before anything starts (a {@link LocalRunError}).
   */
  loadCredentials?: () => Promise<Auth0Credentials>;
}

/** Options of `runLocalMigration`. Pipeline settings default to the CDK stack's ({@link PIPELINE_DEFAULTS}). */
export interface LocalMigrationOptions {
  /** The input file on this machine (`.csv`, `.jsonl`, optionally `.gz`). */
  file: string;
  target: Auth0Target;
  /** Allow empty method sets (uploads the file with `allow-clear: true` metadata). @default false */
  allowClear?: boolean;
  /** Country for national phone numbers. @default none */
  defaultCountry?: CountryCode;
  /** How phone numbers are checked (the ingest function's `PHONE_CHECK`). @default "strict" */
  phoneCheck?: PhoneCheck;
  /** Rejection tolerance (the ingest function's `MAX_REJECTED`): over it, nothing is sent. @default no limit */
  maxRejected?: MaxRejected;
  /** Requests per second for the whole fleet of apply workers. @default PIPELINE_DEFAULTS.rpsCeiling */
  rpsCeiling?: number;
  /** Share of the tenant's rate-limit bucket to use. @default PIPELINE_DEFAULTS.budgetShare */
  budgetShare?: number;
  /** Concurrent apply invocations (the event source's MaximumConcurrency). @default PIPELINE_DEFAULTS.maxConcurrency */
  maxConcurrency?: number;
  /** PUTs in flight within one invocation. @default PIPELINE_DEFAULTS.applyConcurrency */
  applyConcurrency?: number;
  /** Records per invocation. @default PIPELINE_DEFAULTS.batchSize */
  batchSize?: number;
  /** @default PIPELINE_DEFAULTS.maxBatchingWindowSeconds */
  maxBatchingWindowSeconds?: number;
  /** @default PIPELINE_DEFAULTS.applyTimeoutSeconds */
  applyTimeoutSeconds?: number;
  /** @default PIPELINE_DEFAULTS.visibilityTimeoutSeconds */
  visibilityTimeoutSeconds?: number;
  /** @default PIPELINE_DEFAULTS.maxReceiveCount */
  maxReceiveCount?: number;
  /** SendMessageBatch calls in flight during ingest. @default PIPELINE_DEFAULTS.sendConcurrency */
  sendConcurrency?: number;
  /**
   * The ingest function's timeout, seconds (`--ingest-timeout`): an ingest that needs longer continues in a new
   * invocation from its checkpoint, as on AWS. @default PIPELINE_DEFAULTS.ingestTimeoutSeconds
   */
  ingestTimeoutSeconds?: number;
  /**
   * The Lambda context each ingest invocation gets, in place of one whose remaining time runs down from
   * `ingestTimeoutSeconds` on the clock (tests count looks at it instead of milliseconds). @default real time
   */
  ingestContext?: () => IngestContext;
  /** Tuning of the apply handler's retries (tests shorten the redelivery delays). @default the handler's own */
  applyOptions?: ApplyOptions;
  /** The circuit breaker's probe interval (tests shorten it). @default 30_000 */
  probeIntervalMs?: number;
  /** Where the reports are copied. @default `./factor-sync-reports/<runId>` */
  reportsDir?: string;
  /**
   * The state folder: the jobs table is kept there, so `jobs` and `status` see this run afterwards (the CLI
   * passes `./.factor-sync`). @default none: the jobs table lives in memory for the run only
   */
  stateDir?: string;
  /**
   * Send every valid user whatever the sync state says (uploads the file with `sync: full` metadata).
   * @default false: users this tool already applied with the same methods are `unchanged`, not sent
   */
  full?: boolean;
  /** Called once before anything is sent with what the sync state will skip (not on a full sync). */
  onForecast?: (forecast: SyncForecast) => void;
  /** Names the run and its reports folder. @default the start time, e.g. `2026-11-29T18-30-05-123Z` */
  runId?: string;
  /** Used for every Auth0 request. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Ctrl-C: stop taking batches, let the running ones finish, then report. */
  signal?: AbortSignal;
  /** Called as the run progresses (often: throttle any rendering). */
  onProgress?: (progress: MigrationProgress) => void;
  /** @default a JSON-lines log file `run.log` in the reports folder */
  logger?: Logger;
  /** @default Date.now */
  clock?: () => number;
}

/** Where a run is. */
export type MigrationPhase = "starting" | "ingesting" | "applying" | "stopping" | "reporting" | "done";

/** Counts while the run goes on. `users` and `sent` are known once the whole file has been read. */
export interface MigrationProgress {
  phase: MigrationPhase;
  /** The run's job, once ingest has created it. */
  jobId?: string;
  /** How far ingest has read the file: physical lines, users handed over, bytes (decompressed). */
  read: { lines: number; users: number; bytes: number };
  users?: number;
  sent?: number;
  rejected: number;
  applied: number;
  /** Users dead-lettered by the apply handler so far. */
  failed: number;
  /** Transient failures returned for redelivery so far. */
  retries: number;
  /** 429s waited out so far. */
  throttled: number;
  /** The tenant's rate limit as its `x-ratelimit-*` headers showed it, once a response carried them. */
  tenantRateLimit?: ObservedRateLimit;
  elapsedMs: number;
  /**
   * Set while Auth0 is unavailable or refuses the configuration (some worker's circuit is open; the one
   * open longest): the records are held, nothing is lost, and the run waits for Auth0 (or Ctrl-C).
   */
  auth0?: Auth0Hold;
}

/** Why the run is holding its records. */
export interface Auth0Hold {
  reason: "unavailable" | "configuration";
  /** Epoch ms since when. */
  sinceMs: number;
  /** The last failure's status: `503`, `timeout`, `401`, `credentials`... */
  status: string;
  message: string;
  /** For `configuration`: what to fix (`token-refused`, `unauthorized`, `missing-scope`, `credentials`). */
  problem?: string;
  probeIntervalMs: number;
}

/** The local copies of a run's reports. */
export interface LocalReports {
  dir: string;
  /** `line,user_id,errors`. */
  rejects?: string;
  /** The ingest summary (JSON). */
  summary?: string;
  /** `line,user_id,status,errorCode,message,attempts,failedAt,source_key`, exported from the DLQ. */
  failures: string;
  /** Valid users SQS would not take, when there were any. */
  unsent?: string;
  /** This run's accounting (JSON). */
  run: string;
  /** The job's completion report (JSON), when the job finished. */
  result?: string;
  /** The handlers' JSON log lines, when the run wrote its own log. */
  log?: string;
}

/** How a local run ended. Every user of the file is in exactly one of the counts. */
export interface LocalMigrationSummary {
  runId: string;
  /** The run's job (`factor-sync status <jobId>`). */
  jobId: string;
  /** The job's status at the end of the run. */
  status: JobStatus;
  file: string;
  /** The object key the file was uploaded to. */
  key: string;
  users: number;
  applied: number;
  rejected: number;
  /** Valid users this tool already applied with the same methods (incremental sync): not sent. */
  unchanged: number;
  /** Users not sent to Auth0 because a newer file's methods for them were applied or are being applied. */
  superseded: number;
  /** Users the operator cancelled before they were applied. */
  cancelled: number;
  /** Users in the DLQ (refused by Auth0, or transient failures that used up their attempts). */
  failed: number;
  /** Valid users SQS would not take. */
  failedToSend: number;
  /** Users still in the work queue: non-zero only when the run was interrupted. */
  pending: number;
  /** Valid users not sent because the file as a whole was stopped (a file-level error, or over max-rejected). */
  withheld: number;
  /** True when the job's counts add up and its pending users are the ones left in the work queue. */
  accounted: boolean;
  interrupted: boolean;
  durationMs: number;
  /** A file-level error that stopped reading (the counts cover the lines before it). */
  fileError?: { name: string; message: string; line?: number };
  /** Ingest invocations the file took (more than one when it continued from checkpoints). */
  ingestInvocations: number;
  /** Present when the file had more rejected users than `maxRejected` allows: nothing was sent. */
  tooManyRejected?: IngestTooManyRejected;
  reports: LocalReports;
}
