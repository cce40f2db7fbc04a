import { createRequire } from "node:module";

/** The part of dynalite's internal store this module wraps (dynalite 4.0.0, `db/index.js`). */
interface DynaliteStore {
  getTable: (name: string, checkStatus: unknown, cb?: TableCallback) => void;
  tableDb: {
    put: (key: string, value: unknown, cb: (err?: Error | null) => void) => void;
    del: (key: string, cb: (err?: Error | null) => void) => void;
  };
}

type TableCallback = (err: Error | null | undefined, table?: unknown) => void;

interface DynaliteDb {
  create: (options: unknown) => DynaliteStore;
}

/** The dynalite release whose internals this module knows. */
const KNOWN_VERSION = "4.0.0";

/**
 * Makes dynalite keep each table's description in memory for item operations. dynalite 4.0.0 reads the table's
 * description from LevelDB (and parses its JSON) once for every key of every item request: a BatchGetItem of
 * 100 keys makes 200 reads, half of them for the same description. With this, item operations (GetItem,
 * BatchGetItem, PutItem, UpdateItem, Query, …) read it once; every item is still read from LevelDB.
 *
 * Correctness: only calls made by item operations (those that check the table's status) are served from the
 * cache, and only for an ACTIVE table; table operations (describe, update, delete, tags) always read LevelDB and
 * drop the entry, and every write of a description (create, update, delete, status changes) drops it.
 * Returns false (and changes nothing) for another dynalite version, whose internals may differ.
 * Call it in the thread that runs dynalite, before the first `dynalite()`.
 *
 * @example
 * cacheDynaliteTables();
 * const server = dynalite({ path });
 */
export function cacheDynaliteTables(): boolean {
  const require = createRequire(import.meta.url);
  const { version } = require("dynalite/package.json") as { version: string };
  if (version !== KNOWN_VERSION) return false;
  const db = require("dynalite/db") as DynaliteDb;
  const create = db.create.bind(db);
  db.create = (options: unknown) => {
    const store = create(options);
    const cached = new Map<string, unknown>();
    const getTable = store.getTable.bind(store);
    store.getTable = (name, checkStatus, cb) => {
      // Item operations call getTable(name, cb): the status is checked, and they never change the description.
      if (typeof checkStatus !== "function" || cb !== undefined) {
        cached.delete(name);
        getTable(name, checkStatus, cb);
        return;
      }
      const done = checkStatus as TableCallback;
      if (cached.has(name)) {
        const table = cached.get(name);
        // Asynchronous like the LevelDB read it replaces.
        setImmediate(() => done(null, table));
        return;
      }
      getTable(name, (err: Error | null | undefined, table?: unknown) => {
        if (!err && (table as { TableStatus?: string } | undefined)?.TableStatus === "ACTIVE") {
          cached.set(name, table);
        }
        done(err, table);
      });
    };
    const { tableDb } = store;
    const put = tableDb.put.bind(tableDb);
    const del = tableDb.del.bind(tableDb);
    tableDb.put = (key, value, cb) => {
      cached.delete(key);
      put(key, value, cb);
    };
    tableDb.del = (key, cb) => {
      cached.delete(key);
      del(key, cb);
    };
    return store;
  };
  return true;
}
