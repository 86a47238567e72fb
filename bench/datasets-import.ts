/**
 * Dataset import at scale: writes a CSV of 100,000 support tickets (default; `--rows N`) to a temp
 * file, imports it as a stream through `importItems` (the same path as the upload route: csv-parse,
 * mapping, checks against a prompt contract, 1000-row multi-row INSERTs, one transaction), and
 * reports seconds, rows/s and the process's peak RSS (sampled every 20 ms, and the kernel's
 * high-water mark). Then pages the whole version through `listItems` (keyset, 100 per page, as
 * the items table scrolls) and jumps to random deep pages, reporting p50/p99 per page; and times
 * a full `iterateItems` pass (what an eval run reads).
 *
 * Run:  createdb -h 127.0.0.1 -U postgres promptdeck_datasets_bench
 *       npx tsx bench/datasets-import.ts [--rows 100000]
 * BENCH_DATABASE_URL overrides postgresql://postgres@127.0.0.1:5432/promptdeck_datasets_bench
 * (local hosts only: the schema is wiped). Targets: 100k rows in < 60 s with peak RSS < 400 MB;
 * a page < 50 ms at p99.
 */
import { createReadStream, createWriteStream, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { applyMigrations } from "@/lib/db/migrate";
import { assertLocalDatabaseUrl } from "@/lib/db/local-url";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const ROWS = Number(arg("rows", "100000"));
const URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/promptdeck_datasets_bench";

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** The kernel's peak resident set of this process (VmHWM), in MB; null off Linux. */
function kernelPeakRssMb(): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write("key,question,limit,expected,tags,metadata.channel\n");
  const intents = ["shipping", "refund", "billing", "account", "other"];
  for (let i = 0; i < rows; i++) {
    const intent = intents[i % intents.length]!;
    const line = `t${i},"Ticket ${i}: my order #${100000 + i} has not arrived, what about ""${intent}""? ${"Some context. ".repeat(i % 7)}",${(i % 9) + 1},${intent},"${intent},batch-${i % 10}",${i % 2 ? "email" : "chat"}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

async function main() {
  assertLocalDatabaseUrl(URL);
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public");
  await admin.end();
  await applyMigrations(URL);
  process.env.DATABASE_URL = URL;

  const { getDb } = await import("@/lib/db/client");
  const { createDataset } = await import("@/lib/datasets/mutations");
  const { importItems } = await import("@/lib/datasets/import");
  const { listItems, iterateItems } = await import("@/lib/datasets/queries");
  const { loadPromptContract } = await import("@/lib/datasets/contract");
  const { createPrompt, publishDraft } = await import("@/lib/prompts/mutations");

  const db = getDb();
  const user = await db.user.create({ data: { email: `bench-${randomUUID().slice(0, 8)}@example.test`, name: "Bench" } });
  const project = await db.project.create({ data: { slug: `bench-${randomUUID().slice(0, 8)}`, name: "Bench" } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  const actor = { kind: "user" as const, userId: user.id, projectId: project.id, role: "ADMIN" as const };
  const prompt = await createPrompt(actor, {
    name: "ticket-router",
    content: {
      system: [{ type: "text", role: "instructions", text: "Route support tickets." }],
      messages: [{ role: "user", content: [{ type: "text", text: "{{question}} (top {{limit}})" }] }],
      variables: { question: { type: "string", required: true }, limit: { type: "number", required: false, default: 3 } },
      modelConfig: { model: "claude-sonnet-5-5", max_tokens: 256 },
      outputSchema: { format: "text" },
      policy: {},
    },
  });
  await publishDraft(actor, { promptId: prompt.id, changelog: "bench" });
  const contract = await loadPromptContract(project.id, "ticket-router");
  const dataset = await createDataset(project.id, { name: "tickets" }, actor);

  const file = path.join(tmpdir(), `datasets-bench-${process.pid}.csv`);
  await writeCsv(file, ROWS);
  const size = statSync(file).size;

  global.gc?.();
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const result = await importItems(
    dataset.id,
    createReadStream(file, { highWaterMark: 64 * 1024 }),
    { format: "csv", contract, fileName: "tickets.csv" },
    actor,
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  rmSync(file);

  console.log(
    `import: ${result.added.toLocaleString("en-US")} rows (${mb(size)} MB CSV) in ${seconds.toFixed(2)} s = ${Math.round(result.added / seconds).toLocaleString("en-US")} rows/s`,
  );
  console.log(
    `  RSS before ${mb(baseRss)} MB, peak ${mb(peakRss)} MB (+${mb(peakRss - baseRss)} MB); kernel high-water mark ${kernelPeakRssMb()?.toFixed(0) ?? "n/a"} MB`,
  );

  // Scroll: every page of 100 in order, as the virtualised table fetches them.
  const sequential: number[] = [];
  let after: string | undefined;
  let seen = 0;
  const scrollStart = performance.now();
  for (;;) {
    const t = performance.now();
    const page = await listItems(dataset.id, { after, limit: 100 });
    sequential.push(performance.now() - t);
    seen += page.items.length;
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  const scrollSeconds = (performance.now() - scrollStart) / 1000;
  sequential.sort((a, b) => a - b);
  console.log(
    `paging (100/page, keyset, with total): ${sequential.length} pages, ${seen.toLocaleString("en-US")} items in ${scrollSeconds.toFixed(1)} s; p50 ${quantile(sequential, 0.5).toFixed(1)} ms, p99 ${quantile(sequential, 0.99).toFixed(1)} ms`,
  );

  // Search and tag filter on the full version.
  const filtered: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await listItems(dataset.id, i % 2 ? { search: `#${100000 + i * 4999}`, limit: 100 } : { tag: `batch-${i % 10}`, limit: 100 });
    filtered.push(performance.now() - t);
  }
  filtered.sort((a, b) => a - b);
  console.log(`search / tag filter (first page + total): p50 ${quantile(filtered, 0.5).toFixed(1)} ms, p99 ${quantile(filtered, 0.99).toFixed(1)} ms`);

  const iterStart = performance.now();
  let iterated = 0;
  for await (const page of iterateItems(dataset.id, result.version, 1000)) iterated += page.length;
  console.log(`iterateItems (1000/page): ${iterated.toLocaleString("en-US")} items in ${((performance.now() - iterStart) / 1000).toFixed(2)} s`);
  await db.$disconnect();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
