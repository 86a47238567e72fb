/**
 * The exclusive lock of a directory owned by one process at a time (the embedded database's data
 * directory, a call-log journal slot): `promptdeck.lock` created with the `wx` flag, holding the
 * owner's pid; taken over only when its owner is dead (killed with -9). Without PGlite, so the
 * call-log journal (lib/calls/journal.ts) can use it without loading the embedded database.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

export const LOCK_FILE_NAME = "promptdeck.lock";

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
