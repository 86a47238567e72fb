/**
 * The embedded PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) persisted in a data
 * directory and served on a loopback port by pglite-socket, so every process (Next, seed,
 * tests) connects through DATABASE_URL exactly as it would to a PostgreSQL server.
 *
 * Layout of the data directory: `pgdata/` (PGlite's PGDATA) and `promptdeck.lock` (owner pid).
 * PGlite does not lock its directory and two processes writing one PGDATA corrupt it, so the
 * lock file is the guard: created exclusively, taken over only when its owner is dead.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { envVar } from "@/lib/env";
import { PGliteSessionQueue } from "./pglite-session-queue";

export const LOCK_FILE_NAME = "promptdeck.lock";
export const PGDATA_DIR_NAME = "pgdata";
/** Connections the socket server accepts; the pools of all clients together must stay below. */
export const EMBEDDED_MAX_CONNECTIONS = 40;
/** The pool size to give each client process of the embedded server. */
export const EMBEDDED_POOL_MAX = 4;

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`The data directory ${dataDir} is already in use by process ${ownerPid}; stop it or set PROMPTDECK_DATA_DIR to another directory.`);
    this.name = "DataDirInUseError";
  }
}

interface LockContent {
  pid: number;
  token: string;
  startedAt: string;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(lockPath: string): { raw: string; content: LockContent | undefined } | undefined {
  let raw: string;
  try {
    raw = readFileSync(lockPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(raw) as Partial<LockContent>;
    if (typeof parsed.pid === "number" && typeof parsed.token === "string") {
      return { raw, content: parsed as LockContent };
    }
  } catch {
    // fall through: unreadable lock
  }
  return { raw, content: undefined };
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Safe to call more than once. */
  release(): void;
}

/**
 * Takes the exclusive lock of `dataDir` for this process: creates `promptdeck.lock` with the
 * `wx` flag; if it exists and its owner pid is alive (this process included), throws
 * DataDirInUseError; if the owner is dead (e.g. killed with -9), takes the lock over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE_NAME);
  const content: LockContent = {
    pid: process.pid,
    token: `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    startedAt: new Date().toISOString(),
  };
  const serialized = `${JSON.stringify(content)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(lockPath, serialized, { flag: "wx" });
      let released = false;
      return {
        path: lockPath,
        release() {
          if (released) return;
          released = true;
          const current = readLock(lockPath);
          if (current?.content?.token === content.token) {
            try {
              unlinkSync(lockPath);
            } catch {
              // already gone
            }
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const existing = readLock(lockPath);
    if (!existing) continue; // removed in between: try again
    const owner = existing.content?.pid;
    if (owner !== undefined && isProcessAlive(owner)) throw new DataDirInUseError(dataDir, owner);
    // Stale (owner dead) or unreadable: take it over, unless someone else did meanwhile.
    if (readLock(lockPath)?.raw === existing.raw) {
      try {
        unlinkSync(lockPath);
      } catch {
        // someone else removed it
      }
    }
  }
  throw new Error(`Could not take the lock ${lockPath}; remove it if no Promptdeck process uses ${dataDir}.`);
}

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
