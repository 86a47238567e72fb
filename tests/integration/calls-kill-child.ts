// Child process of calls-kill.test.ts: a script-sized process (the composition root with its
// pools and the call-log writer, no HTTP) that runs the root's shutdown on SIGTERM. Enqueues N
// call-log rows through getCallLogWriter() (the root's writer), says "ready" while most rows are
// still buffered, then waits to be killed. Mode "durable": the rows go through `accept` (what a
// request acknowledging them does), so "ready" means they are in the journal
// (PROMPTDECK_CALL_JOURNAL_DIR); with N = 0 it only replays what a killed process left.
import { callLogRowFromResult } from "@/lib/calls/record";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { createProcessRuntime } from "@/lib/runtime/process";
import { fakeRunResult } from "../fixtures/run-result";

const [projectId, countText, runId, mode = "enqueue"] = process.argv.slice(2);
if (!projectId || !countText || !runId) throw new Error("usage: calls-kill-child <projectId> <count> <runId>");
const count = Number(countText);

const result = fakeRunResult({ output: "in flight" });

const runtime = createProcessRuntime({ log: () => {} });
runtime.handleSignals();
await runtime.start();
const writer = getCallLogWriter();
if (writer !== runtime.writer) throw new Error("getCallLogWriter() should return the root's writer");
if (mode === "durable") {
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, k) => callLogRowFromResult(result, { projectId, metadata: { runId, i: start + k } }));
    const outcome = await writer.accept(rows);
    if (!outcome.ok) throw new Error(`refused: ${outcome.refusal.message}`);
  }
} else {
  for (let i = 0; i < count; i++) {
    writer.enqueue(callLogRowFromResult(result, { projectId, metadata: { runId, i } }));
  }
}
const stats = writer.stats();
process.stdout.write(`ready ${stats.buffered + stats.inFlight}\n`);
setInterval(() => {}, 1_000);
