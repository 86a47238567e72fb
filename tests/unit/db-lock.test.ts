import { afterEach, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { acquireDataDirLock, DataDirInUseError, LOCK_FILE_NAME } from "@/lib/db/embedded";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "promptdeck-lock-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(result.stdout);
}

describe("data directory lock", () => {
  it("refuses a second owner while the first holds it, then allows it after release", () => {
    const dir = tempDir();
    const first = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE_NAME), "utf8"))).toMatchObject({ pid: process.pid });
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirInUseError);
    expect(() => acquireDataDirLock(dir)).toThrow(`already in use by process ${process.pid}; stop it or set PROMPTDECK_DATA_DIR`);
    first.release();
    expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
    const second = acquireDataDirLock(dir);
    second.release();
  });

  it("refuses when another live process owns the directory", async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      const pid = other.pid ?? 0;
      writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid, token: "other", startedAt: "" }));
      let caught: unknown;
      try {
        acquireDataDirLock(dir);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DataDirInUseError);
      expect((caught as DataDirInUseError).ownerPid).toBe(pid);
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("takes over a stale lock left by a dead process (kill -9)", () => {
    const dir = tempDir();
    const stale = deadPid();
    writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: stale, token: "stale", startedAt: "" }));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE_NAME), "utf8"))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it("takes over an unreadable lock file", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, LOCK_FILE_NAME), "garbage");
    const lock = acquireDataDirLock(dir);
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it("does not remove a lock that was taken over by someone else", () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: process.pid, token: "someone-else", startedAt: "" }));
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(true);
  });
});
