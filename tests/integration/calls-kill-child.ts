// Child process of calls-kill.test.ts: enqueues N call-log rows on the process-wide writer
// (which hooks SIGTERM), says "ready" while most rows are still buffered, then waits to be killed.
import { callLogRowFromResult } from "@/lib/calls/record";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import type { RunResult } from "@/lib/claude/runner";

const [projectId, countText, runId] = process.argv.slice(2);
if (!projectId || !countText || !runId) throw new Error("usage: calls-kill-child <projectId> <count> <runId>");
const count = Number(countText);

const result = {
  status: "ok",
  output: "in flight",
  usage: { inputTokens: 1, outputTokens: 1, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
  costMicros: 1,
  latencyMs: 1,
  ttftMs: null,
  attempts: [],
  fallbacks: [],
  fallbackUsed: null,
  model: "claude-haiku-5-5",
  requestedModel: "claude-haiku-5-5",
  stopReason: "end_turn",
  refusalCategory: null,
  simulated: true,
  request: {},
  response: null,
  source: "api",
  metadata: {},
  subject: null,
  chunks: null,
  error: null,
} as unknown as RunResult;

const writer = getCallLogWriter();
for (let i = 0; i < count; i++) {
  writer.enqueue(callLogRowFromResult(result, { projectId, metadata: { runId, i } }));
}
const stats = writer.stats();
process.stdout.write(`ready ${stats.buffered + stats.inFlight}\n`);
setInterval(() => {}, 1_000);
