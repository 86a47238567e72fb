import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";

// Kill test: a child process accepts N call records, gets SIGTERM while they are still buffered
// or in flight, and every one of them is in the database afterwards (the composition root's
// shutdown flushes the writer; the writer itself hooks no signal).
const journalDir = mkdtempSync(path.join(tmpdir(), "pd-kill-journal-"));
afterAll(() => rmSync(journalDir, { recursive: true, force: true }));

function startChild(projectId: string, count: number, runId: string, mode: "enqueue" | "durable" = "enqueue") {
  return spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "calls-kill-child.ts"), projectId, String(count), runId, mode], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env: { ...process.env, LOG_LEVEL: "warn", DATABASE_POOL_MAX: "2", PROMPTDECK_CALL_JOURNAL_DIR: journalDir },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function ready(child: ReturnType<typeof startChild>): Promise<number> {
  let out = "";
  return new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${out}`)));
  });
}

function exitOf(child: ReturnType<typeof startChild>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}

describe("call-log writer shutdown", () => {
  it("SIGKILL: every acknowledged record is in the journal and the next start stores it exactly once", async () => {
    const suffix = randomUUID().slice(0, 8);
    const project = await getDb().project.create({ data: { slug: `kill9-${suffix}`, name: `Kill9 ${suffix}` } });
    const runId = randomUUID();
    const count = 5_000;
    const child = startChild(project.id, count, runId, "durable");
    const buffered = await ready(child);
    const exited = exitOf(child);
    child.kill("SIGKILL");
    expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
    const where = { projectId: project.id, metadata: { path: ["runId"], equals: runId } };
    const beforeReplay = await getDb().callLog.count({ where });
    // Most rows had not reached the database: only the journal has them.
    expect(buffered).toBeGreaterThan(0);
    expect(beforeReplay).toBeLessThan(count);

    // The next start replays the journal (and, stopped with SIGTERM, flushes it).
    const next = startChild(project.id, 0, runId, "durable");
    await ready(next);
    for (let i = 0; i < 200 && (await getDb().callLog.count({ where })) < count; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const nextExit = exitOf(next);
    next.kill("SIGTERM");
    expect(await nextExit).toEqual({ code: 0, signal: null });
    expect(await getDb().callLog.count({ where })).toBe(count);
    // Stored, so the journal holds nothing any more.
    const left = readdirSync(journalDir, { recursive: true }).filter((name) => String(name).endsWith(".jsonl"));
    expect(left).toEqual([]);
  });

  it("flushes every accepted record on SIGTERM", async () => {
    const suffix = randomUUID().slice(0, 8);
    const project = await getDb().project.create({ data: { slug: `kill-${suffix}`, name: `Kill ${suffix}` } });
    const runId = randomUUID();
    const count = 5_000;
    const child = startChild(project.id, count, runId);
    let out = "";
    const buffered = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /ready (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${out}`)));
    });
    // Most of the records have not reached the database when the signal arrives.
    expect(buffered).toBeGreaterThan(0);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    child.kill("SIGTERM");
    // The root's shutdown flushed the writer, closed the pools and exited 0 (1 had the flush failed).
    expect(await exited).toEqual({ code: 0, signal: null });
    const stored = await getDb().callLog.count({ where: { projectId: project.id, metadata: { path: ["runId"], equals: runId } } });
    expect(stored).toBe(count);
  });
});
