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
 * What holds: an item operation is served the description LevelDB held at some moment after the last write of
 * that description that had completed when the operation started, or reads LevelDB itself. Only calls made by
 * item operations (those that check the table's status) are served from the cache, and only for an ACTIVE
 * table; table operations (describe, update, delete, tags) always read LevelDB and drop the entry; every write of
 * a description (create, update, delete, status changes) drops it and bumps the table's generation, and a read
 * fills the cache only if the generation did not change while it was in flight (a read that raced a write may
 * have seen the old description: it is used by its own operation, as without the cache, but not kept).
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
    // Bumped on every write of a table's description: a read that overlapped one is not cached.
    const generations = new Map<string, number>();
    const bump = (name: string) => {
      cached.delete(name);
      generations.set(name, (generations.get(name) ?? 0) + 1);
    };
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
      const generation = generations.get(name) ?? 0;
      getTable(name, (err: Error | null | undefined, table?: unknown) => {
        const unchanged = (generations.get(name) ?? 0) === generation;
        if (!err && unchanged && (table as { TableStatus?: string } | undefined)?.TableStatus === "ACTIVE") {
          cached.set(name, table);
        }
        done(err, table);
      });
    };
    const { tableDb } = store;
    const put = tableDb.put.bind(tableDb);
    const del = tableDb.del.bind(tableDb);
    // Bumped before the write and again when it completes: a read started in between is not cached either.
    tableDb.put = (key, value, cb) => {
      bump(key);
      put(key, value, (err) => {
        bump(key);
        cb(err);
      });
    };
    tableDb.del = (key, cb) => {
      bump(key);
      del(key, (err) => {
        bump(key);
        cb(err);
      });
    };
    return store;
  };
  return true;
}
