/**
 * The embedded PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) persisted in a data
 * directory and served on a loopback port by pglite-socket, so every process (Next, seed,
 * tests) connects through DATABASE_URL exactly as it would to a PostgreSQL server.
 *
 * Layout of the data directory: `pgdata/` (PGlite's PGDATA) and `promptdeck.lock` (owner pid).
 * PGlite does not lock its directory and two processes writing one PGDATA corrupt it, so the
 * lock file is the guard: created exclusively, taken over only when its owner is dead.
 */
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { envVar } from "@/lib/env";
import { acquireDataDirLock } from "./dir-lock";
import { PGliteSessionQueue } from "./pglite-session-queue";

export { acquireDataDirLock, DataDirInUseError, LOCK_FILE_NAME, type DataDirLock } from "./dir-lock";

export const PGDATA_DIR_NAME = "pgdata";
/** Connections the socket server accepts; the pools of all clients together must stay below. */
export const EMBEDDED_MAX_CONNECTIONS = 40;
/** The pool size to give each client process of the embedded server. */
export const EMBEDDED_POOL_MAX = 4;

export interface EmbeddedDatabaseOptions {
  /** Directory holding the data; created if missing. Default PROMPTDECK_DATA_DIR or `.data`. */
  dataDir?: string;
  /** Loopback port; 0 (default) picks a free one. */
  port?: number;
  /** Connections accepted by the socket server (default EMBEDDED_MAX_CONNECTIONS). */
  maxConnections?: number;
  /**
   * Stop the database (close PGlite, release the lock) and exit on SIGINT/SIGTERM. Default true;
   * launchers that manage signals themselves pass false and call stop().
   */
  handleSignals?: boolean;
}

export interface EmbeddedDatabase {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Connections the server accepts; keep the sum of all client pools at or below it. */
  readonly maxConnections: number;
  /** Stops serving, closes PGlite (flushing to disk) and releases the lock. Idempotent. */
  stop(): Promise<void>;
}

/** The data directory: explicit, else PROMPTDECK_DATA_DIR, else `.data` (relative to the cwd). */
export function resolveDataDir(dataDir?: string): string {
  return path.resolve(dataDir ?? envVar("PROMPTDECK_DATA_DIR"));
}

/**
 * Opens PGlite persisted at `<dataDir>/pgdata` (initialising it on first use) and serves it on
 * 127.0.0.1. Throws DataDirInUseError when another live process owns the directory.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  const dataDir = resolveDataDir(options.dataDir);
  const maxConnections = options.maxConnections ?? EMBEDDED_MAX_CONNECTIONS;
  const lock = acquireDataDirLock(dataDir);
  const onExit = () => lock.release();
  process.on("exit", onExit);

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await PGlite.create(path.join(dataDir, PGDATA_DIR_NAME));
    server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: options.port ?? 0, maxConnections });
    // pglite-socket's queue interleaves connections per message; PGlite is one session, so hand
    // it to one connection at a time (see pglite-session-queue.ts). Handlers read this field
    // when they are created, i.e. for every connection accepted after this line.
    const patchable = server as unknown as { queryQueue?: unknown };
    if (!patchable.queryQueue) throw new Error("pglite-socket changed: PGLiteSocketServer has no queryQueue to replace");
    patchable.queryQueue = new PGliteSessionQueue(db);
    await server.start();
  } catch (error) {
    await server?.stop().catch(() => {});
    await db?.close().catch(() => {});
    lock.release();
    process.off("exit", onExit);
    throw error;
  }
  const port = Number(server.getServerConn().split(":").at(-1));

  let stopping: Promise<void> | undefined;
  const openDb = db;
  const openServer = server;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      try {
        await openServer.stop();
      } finally {
        try {
          await openDb.close();
        } finally {
          lock.release();
          process.off("exit", onExit);
        }
      }
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  if (options.handleSignals ?? true) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }

  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    maxConnections,
    stop,
  };
}
