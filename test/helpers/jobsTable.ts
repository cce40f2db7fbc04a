import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoJobStore } from "../../lib/jobs/DynamoJobStore.js";
import { type LocalJobsTable, openLocalJobsTable } from "../../lib/local/LocalAws.js";

/** A jobs table in dynalite over a real socket, in a fresh temporary state folder. */
export interface TestJobsTable {
  table: LocalJobsTable;
  store: DynamoJobStore;
  stateDir: string;
  stop(): Promise<void>;
}

/**
 * Opens a fresh state folder's jobs table (the local runtime's own {@link openLocalJobsTable}) and a store on it.
 *
 * @example
 * const jobs = await startJobsTable();
 * afterAll(() => jobs.stop());
 */
export async function startJobsTable(options: { clock?: () => number } = {}): Promise<TestJobsTable> {
  const stateDir = await mkdtemp(join(tmpdir(), "factor-sync-state-"));
  const table = await openLocalJobsTable(stateDir, { shared: false });
  const store = new DynamoJobStore({
    client: table.client,
    tableName: table.tableName,
    clock: options.clock,
  });
  return {
    table,
    store,
    stateDir,
    async stop() {
      await table.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
