/**
 * The length audit on a seeded database: for every version with calls, the time of the bounded
 * call sample (`sampleAuditCalls`, the newest 500 calls) and of the whole audit, and its findings
 * with their savings. Baseline: a full scan of the version's calls (what an unbounded query would
 * read), timed the same way.
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<seeded db> npx tsx bench/length-audit.ts
 */
import { performance } from "node:perf_hooks";
import { getDb } from "@/lib/db/client";
import { formatMicros } from "@/lib/models/catalog";
import { readVersionContent } from "@/lib/prompts/schemas";
import { auditVersion, sampleAuditCalls } from "@/lib/length-audit/queries";

async function main(): Promise<void> {
  const db = getDb();
  const versions = await db.promptVersion.findMany({ where: { status: "PUBLISHED" }, include: { prompt: true } });
  for (const v of versions) {
    const calls = await db.callLog.count({ where: { versionId: v.id } });
    if (calls === 0) continue;
    const content = readVersionContent(v);
    let t = performance.now();
    const sample = await sampleAuditCalls(v.prompt.projectId, v.id);
    const sampleMs = performance.now() - t;
    t = performance.now();
    const full = await db.callLog.findMany({ where: { versionId: v.id }, select: { inputTokens: true, metadata: true } });
    const fullMs = performance.now() - t;
    t = performance.now();
    const audit = await auditVersion({ projectId: v.prompt.projectId, versionId: v.id, content });
    const auditMs = performance.now() - t;
    console.log(
      `${v.prompt.name} ${v.major}.${v.minor}.${v.patch}: ${calls} calls; sample ${sample.length} in ${sampleMs.toFixed(1)} ms (full scan of ${full.length}: ${fullMs.toFixed(1)} ms); audit ${auditMs.toFixed(1)} ms`,
    );
    for (const f of audit.findings) {
      console.log(
        `  - ${f.code}: ${f.title} | ${formatMicros(f.savingMicrosPer1k)} / 1k calls${f.savingMicrosPer30Days !== null ? `, ${formatMicros(f.savingMicrosPer30Days)} / 30 days` : ""}`,
      );
    }
  }
  await db.$disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
