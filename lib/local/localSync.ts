import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import type { CountryCode } from "libphonenumber-js";
import type { UserFactors } from "../factors/types.js";
import { detectFileKind, readUserFactors } from "../ingest/index.js";
import type { IngestSync } from "../ingest/ingestObject.js";
import type { PhoneCheck } from "../ingest/types.js";
import type { Logger } from "../logging/Logger.js";
import { ApplySync } from "../sync/ApplySync.js";
import { countUnchanged, type SyncForecast } from "../sync/countUnchanged.js";
import { SyncStateStore } from "../sync/SyncStateStore.js";
import { localSyncKey } from "../sync/syncKey.js";
import { tenantId } from "../sync/tenantId.js";
import type { LocalJobsTable } from "./LocalAws.js";
import type { Auth0Target } from "./types.js";

/** The sync state of a local run: on the state folder's jobs table, with the folder's own key. */
export interface LocalSync {
  /** What the ingest handler gets. */
  ingest: IngestSync;
  /** One per apply "container". */
  createApplySync(logger: Logger): ApplySync;
}

/**
 * Opens the sync state of a local run: the store on the run's jobs table, the key of the state folder
 * (`sync.key`, created once with mode 0600; a random key for a table kept in memory), and the tenant: the
 * target's own name when it has one (the bundled simulator), else its domain's host.
 *
 * @example
 * const sync = await openLocalSync(aws.jobs, target);
 * createIngestHandler({ ..., sync: sync.ingest });
 */
export async function openLocalSync(
  jobs: LocalJobsTable,
  target: Auth0Target,
  options: { clock?: () => number } = {},
): Promise<LocalSync> {
  const store = new SyncStateStore({ client: jobs.client, tableName: jobs.tableName });
  const key = jobs.stateDir === undefined ? randomBytes(32) : await localSyncKey(jobs.stateDir);
  const tenant = target.tenant ?? tenantId(target.domain);
  return {
    ingest: { store, key, tenant },
    createApplySync: (logger) => new ApplySync(store, { logger, clock: options.clock, tenant }),
  };
}

/**
 * What the sync state would skip of a local file, read as ingest reads it (invalid users are not counted):
 * `run` prints it before it starts.
 *
 * @example
 * const { unchanged, valid, toSend } = await forecastLocalFile(file, sync.ingest, { defaultCountry: "US" });
 */
export async function forecastLocalFile(
  file: string,
  sync: IngestSync,
  options: { allowClear?: boolean; defaultCountry?: CountryCode; phoneCheck?: PhoneCheck } = {},
): Promise<SyncForecast> {
  const inputs: ReturnType<typeof createReadStream>[] = [];
  const open = () => {
    const input = createReadStream(file);
    inputs.push(input);
    return input;
  };
  try {
    // Both passes, as ingest reads the file: a user in two places is rejected, not counted.
    const reader = readUserFactors(open, detectFileKind(file), options);
    async function* valid(): AsyncGenerator<UserFactors> {
      for await (const item of reader) if (item.kind === "valid") yield item.user;
    }
    return await countUnchanged(valid(), sync);
  } finally {
    for (const input of inputs) input.destroy();
  }
}
