import { ConfigurationError } from "../config/errors.js";

/** What ingest needs to keep the sync state: the table, the HMAC key's secret, the tenant's domain. */
export interface SyncSettings {
  jobsTable: string;
  syncKeySecretArn: string;
  auth0Domain: string;
}

/**
 * The rule of ingest's sync settings: with no jobs table there is no sync state (every user is sent, and apply
 * records nothing); with a jobs table, the sync state is required, so `SYNC_KEY_SECRET_ARN` and `AUTH0_DOMAIN`
 * must both be set. Without this rule a missing variable would silently send unstamped messages whose PUTs the
 * state never sees, and a later sync would skip a user as `unchanged` that the tenant no longer holds.
 *
 * @throws {@link ConfigurationError} naming the missing variable, when the table is set and a sync variable not.
 * @example
 * const sync = requireSyncSettings({ jobsTable, syncKeySecretArn, auth0Domain }); // undefined without a table
 */
export function requireSyncSettings(settings: Partial<SyncSettings>): SyncSettings | undefined {
  const { jobsTable, syncKeySecretArn, auth0Domain } = settings;
  if (jobsTable === undefined) return undefined;
  if (syncKeySecretArn === undefined) {
    throw new ConfigurationError("SYNC_KEY_SECRET_ARN", "must be set with JOBS_TABLE (the sync state's key)");
  }
  if (auth0Domain === undefined) {
    throw new ConfigurationError(
      "AUTH0_DOMAIN",
      "must be set with JOBS_TABLE (the tenant of the sync state)",
    );
  }
  return { jobsTable, syncKeySecretArn, auth0Domain };
}
