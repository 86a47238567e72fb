// What the call journal costs an acknowledgement (issue 17, item 1): `CallLogWriter.accept` of one
// row per request (what /run does), memory only (the baseline) vs journaled (group commit: one
// write + fdatasync per group of rows queued meanwhile), with 1 and 100 concurrent requests. The
// sink is a no-op (this measures the acknowledgement, not PostgreSQL). The journal goes to
// BENCH_JOURNAL_DIR (default the OS temp directory): measure on the disk the server uses.
//   npx tsx bench/call-journal.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { callLogRowFromResult } from "@/lib/calls/record";
import { CallJournal } from "@/lib/calls/journal";
import { CallLogWriter } from "@/lib/calls/writer";
import { fakeRunResult } from "../tests/fixtures/run-result";

const silent = pino({ level: "silent" });
// About 1.8 KB a row with its bodies, like bench/runner-overhead.ts.
const result = fakeRunResult({
  output: "x".repeat(600),
  usage: { inputTokens: 1000, outputTokens: 200, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
  costMicros: 1234,
  latencyMs: 900,
  request: { messages: [{ role: "user", content: "y".repeat(1000) }] },
  response: { text: "x".repeat(600) },
});

async function run(journaled: boolean, total: number, concurrency: number): Promise<void> {
  const dir = mkdtempSync(path.join(process.env.BENCH_JOURNAL_DIR ?? tmpdir(), "bench-journal-"));
  const journal = journaled ? new CallJournal({ dir, logger: silent }) : undefined;
  journal?.open();
  const writer = new CallLogWriter({ sink: async () => {}, journal, logger: silent });
  let sent = 0;
  const latencies: number[] = [];
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent++;
        const row = callLogRowFromResult(result, { projectId: "bench" });
        const start = performance.now();
        const outcome = await writer.accept([row]);
        latencies.push(performance.now() - start);
        if (!outcome.ok) throw new Error(`refused: ${outcome.refusal.message}`);
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  const groups = journal?.stats().groups;
  await writer.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0).toFixed(2);
  console.log(
    `${journaled ? "journal" : "memory (baseline)"}, ${concurrency} concurrent: ${Math.round(total / seconds)} acks/s, accept p50 ${at(0.5)} ms, p99 ${at(0.99)} ms` +
      (groups ? `, ${groups} fsync groups (${(total / groups).toFixed(1)} rows each)` : ""),
  );
}

for (const concurrency of [1, 100]) {
  const total = concurrency === 1 ? 2_000 : 20_000;
  await run(false, total, concurrency);
  await run(true, total, concurrency);
}
