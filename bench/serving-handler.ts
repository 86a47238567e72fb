/**
 * CPU cost of a warm GET /api/v1/prompts/{name} inside ApiV1Handler.handle (auth, rate limit,
 * route table, cache, ETag), without sockets: fake request/response objects, CPU microseconds per
 * request from process.cpuUsage, median of 7 rounds of 20,000. Unlike bench/serving.ts (HTTP,
 * autocannon), it barely moves when other work shares the machine, so it tells whether a change
 * made the handler itself slower. Baseline (route table, Node 20, 2 cores): about 2.3-2.7 us per
 * request; the if-chain router before it measured 2.2-2.4 us on the same machine.
 *
 * Database: DATABASE_URL when set, else a throwaway embedded PGlite.
 * Run: npx tsx bench/serving-handler.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";

let stopDb = async () => {};
if (!process.env.DATABASE_URL) {
  const { startEmbeddedDatabase } = await import("@/lib/db/embedded");
  const dataDir = mkdtempSync(path.join(tmpdir(), "promptdeck-bench-"));
  const embedded = await startEmbeddedDatabase({ dataDir, handleSignals: false });
  process.env.DATABASE_URL = embedded.url;
  stopDb = async () => {
    await embedded.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
const { applyMigrations } = await import("@/lib/db/migrate");
const { getDb } = await import("@/lib/db/client");
const { generateApiKey } = await import("@/lib/auth/api-keys");
const { createPrompt, publishDraft, moveLabel } = await import("@/lib/prompts/mutations");
const { ApiV1Handler } = await import("@/lib/http/api-v1");
await applyMigrations(process.env.DATABASE_URL ?? "");
const db = getDb();
const suffix = Date.now().toString(36);
const user = await db.user.create({ data: { email: `inproc-${suffix}@example.test` } });
const project = await db.project.create({ data: { slug: `inproc-${suffix}`, name: "Inproc" } });
const actor = { kind: "user" as const, userId: user.id, projectId: project.id, role: "ADMIN" as const };
const generated = generateApiKey();
await db.apiKey.create({ data: { projectId: project.id, name: "bench", prefix: generated.prefix, hash: generated.hash, scopes: ["prompts:read"] } });
const prompt = await createPrompt(actor, {
  name: "support-bench",
  content: {
    system: [{ type: "text", role: "instructions", text: "You are a support assistant." }],
    messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
    variables: { question: { type: "string", required: true } },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 1024 },
    outputSchema: { format: "text" },
    policy: {},
  },
});
const version = await publishDraft(actor, { promptId: prompt.id, changelog: "bench" });
await moveLabel(actor, { promptId: prompt.id, label: "production", versionId: version.id });
const handler = new ApiV1Handler({ rateLimit: { perSecond: 1e9, burst: 1e9, shared: false }, changeFeed: false });

class FakeRes {
  status = 0;
  headersSent = false;
  writeHead(status: number) {
    this.status = status;
    this.headersSent = true;
    return this;
  }
  end() {
    return this;
  }
}
function makeReq(url: string) {
  const req = new PassThrough() as unknown as { url: string; method: string; headers: Record<string, string> };
  req.url = url;
  req.method = "GET";
  req.headers = { authorization: `Bearer ${generated.key}` };
  return req;
}
console.log(`warm GET through ApiV1Handler.handle (no sockets), node ${process.version}`);
const paths = ["/api/v1/prompts/support-bench", "/api/v1/prompts/support-bench?label=production"];
for (const path of paths) {
  const rounds: number[] = [];
  for (let r = 0; r < 8; r++) {
    const n = 20_000;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const res = new FakeRes();
      await handler.handle(makeReq(path) as never, res as never);
      if (res.status !== 200) throw new Error(`status ${res.status}`);
    }
    const cpu = process.cpuUsage(cpu0);
    if (r > 0) rounds.push((cpu.user + cpu.system) / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${path}: median ${rounds[3]!.toFixed(2)} µs CPU/request (min ${rounds[0]!.toFixed(2)}, max ${rounds.at(-1)!.toFixed(2)})`);
}
await db.$disconnect();
await stopDb();
process.exit(0);
