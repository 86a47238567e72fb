import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";

// Kill test: a child process accepts N call records, gets SIGTERM while they are still buffered
// or in flight, and every one of them is in the database afterwards (the composition root's
// shutdown flushes the writer; the writer itself hooks no signal).
describe("call-log writer shutdown", () => {
  it("flushes every accepted record on SIGTERM", async () => {
    const suffix = randomUUID().slice(0, 8);
    const project = await getDb().project.create({ data: { slug: `kill-${suffix}`, name: `Kill ${suffix}` } });
    const runId = randomUUID();
    const count = 5_000;
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "calls-kill-child.ts"), project.id, String(count), runId], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: { ...process.env, LOG_LEVEL: "warn", DATABASE_POOL_MAX: "2" },
      stdio: ["ignore", "pipe", "inherit"],
    });
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
