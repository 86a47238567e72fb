import type { Metadata } from "next";
import { hasRole } from "@/lib/projects/roles";
import { describeLocation } from "@/lib/prompts/locations";
import { decodePromptName } from "@/lib/prompts/paths";
import { readVersionContent } from "@/lib/prompts/schemas";
import { formatMicros } from "@/lib/models/catalog";
import { estimateTokens } from "@/lib/models/tokens";
import { auditVersion } from "@/lib/length-audit/queries";
import { Badge, Card, cx } from "@/components/ui";
import { formatUtc } from "@/components/format";
import { loadVersionPage, VersionHeading, type VersionParams } from "../version-heading";
import { CondenseBlocks } from "./condense-client";
import { condenseBlockAction } from "./actions";

export async function generateMetadata({ params }: { params: Promise<VersionParams> }): Promise<Metadata> {
  const { name, version } = await params;
  const label = decodeURIComponent(version);
  return { title: `Length audit · ${decodePromptName(name)} ${label === "draft" ? "draft" : `v${label}`}` };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const num = (x: number) => Math.round(x).toLocaleString("en-US");

// /p/:project/prompts/:name/versions/:version/audit - the prompt length audit of one version: token
// breakdown, what its newest calls carried, findings with their saving, and Condense (EDITOR+).
export default async function VersionAuditPage({ params }: { params: Promise<VersionParams> }) {
  const loaded = await loadVersionPage(params);
  const { access, project, prompt, row, version, label } = loaded;
  const content = readVersionContent(version);
  const audit = await auditVersion({ projectId: access.project.id, versionId: row.id, content });
  const { breakdown, stats, findings } = audit;
  const approx = breakdown.estimated ? "~" : "";
  const canEdit = hasRole(access.role, "EDITOR") && !prompt.archivedAt;
  const hasDraft = prompt.versions.some((v) => v.status === "DRAFT");
  const blocks = [
    ...content.system.map((b, i) => ({ location: `system.${i}`, text: b.text })),
    ...content.messages.flatMap((m, i) => m.content.map((b, j) => ({ location: `messages.${i}.content.${j}`, text: b.text }))),
  ].map((b) => ({
    location: b.location,
    label: describeLocation(b.location, content),
    tokens: breakdown.blocks.find((x) => x.location === b.location)?.tokens ?? estimateTokens(b.text),
    preview: b.text.slice(0, 160),
  }));
  const totalPer1k = findings.reduce((s, f) => s + f.savingMicrosPer1k, 0);

  return (
    <>
      <VersionHeading loaded={loaded} active="audit" />

      <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,1fr)_380px]">
        <div className="min-w-0 space-y-4">
          <Card className="p-4" data-testid="audit-findings">
            <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
              <h2 className="text-sm font-semibold">Findings</h2>
              {findings.length > 0 ? (
                <span className="text-xs text-fg-muted" data-testid="audit-total-saving">
                  up to <span className="font-medium text-fg">{formatMicros(totalPer1k)}</span> per 1,000 calls at current {audit.model} prices
                </span>
              ) : null}
            </div>
            {stats === null ? (
              <p className="mb-3 rounded-md border border-border bg-muted/40 px-3 py-2 text-xs" data-testid="audit-no-calls">
                No calls logged for this version yet: the findings below come from the prompt alone, priced per 1,000 calls. Call statistics, repeated variable
                text, cache write/read and max_tokens findings appear once it serves traffic.
              </p>
            ) : null}
            {audit.spec === null ? (
              <p className="mb-3 rounded-md border border-warning/40 bg-warning/10 px-3 py-2 text-xs" data-testid="audit-unknown-model">
                The model &quot;{audit.model}&quot; is not in the model catalog: without its prices and minimum cacheable length no saving can be computed.
              </p>
            ) : null}
            {findings.length === 0 && audit.spec !== null ? (
              <p className="text-xs text-fg-muted" data-testid="audit-no-findings">
                Nothing to shorten: no repeated text, uncached prefix, oversized examples or max_tokens headroom found.
              </p>
            ) : (
              <ul className="space-y-2">
                {findings.map((f, i) => (
                  <li key={`${f.code}-${i}`} className="rounded-md border border-border p-3" data-testid="audit-finding" data-code={f.code}>
                    <div className="flex flex-wrap items-start justify-between gap-2">
                      <div className="min-w-0">
                        <div className="text-sm font-medium">{f.title}</div>
                        <div className="text-xxs text-fg-muted">
                          {describeLocation(f.location, content)} · {f.code}
                        </div>
                      </div>
                      <div className="ml-auto text-right">
                        <div className={cx("font-mono text-sm", f.savingMicrosPer1k > 0 ? "text-success" : "text-fg-muted")} data-testid="audit-finding-saving">
                          {formatMicros(f.savingMicrosPer1k)} / 1k calls
                        </div>
                        {f.savingMicrosPer30Days !== null ? (
                          <div className="text-xxs text-fg-muted" data-testid="audit-finding-monthly">
                            {formatMicros(f.savingMicrosPer30Days)} per 30 days at the observed rate
                          </div>
                        ) : null}
                      </div>
                    </div>
                    <p className="mt-1.5 text-xs">{f.detail}</p>
                    {f.evidence.length > 0 ? (
                      <ul className="mt-1.5 space-y-1">
                        {f.evidence.map((e, k) => (
                          <li key={k} className="truncate rounded bg-muted/50 px-2 py-0.5 font-mono text-[11px]" title={e}>
                            {e}
                          </li>
                        ))}
                      </ul>
                    ) : null}
                    <p className="mt-1 text-xxs text-fg-muted">
                      {f.tokensPerCall > 0 ? `${approx}${num(f.tokensPerCall)} tokens per call · ` : ""}
                      {f.basis}
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </Card>

          <Card className="p-4" data-testid="audit-breakdown">
            <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
              <h2 className="text-sm font-semibold">Token breakdown</h2>
              <span className="text-xs text-fg-muted">
                {approx}
                {num(breakdown.totalTokens)} tokens per call · {pct(breakdown.cachedShare)} in the cached prefix
                {breakdown.cachedUntil ? ` (up to ${describeLocation(breakdown.cachedUntil, content)})` : ""}
              </span>
            </div>
            <p className="mb-2 text-xxs text-fg-muted" data-testid="audit-counting">
              {audit.counting === "count_tokens"
                ? "Counted with messages.countTokens (Anthropic's tokenizer for this model)."
                : `Offline estimate (~): no ANTHROPIC_API_KEY is set, so blocks are not counted by the API${audit.countingError ? ` (counting failed: ${audit.countingError})` : ""}.`}{" "}
              Variables at their p50 over logged calls, else their default.
            </p>
            <table className="w-full text-xs">
              <thead>
                <tr className="text-left text-fg-muted">
                  <th className="py-1 pr-2 font-medium">Part</th>
                  <th className="py-1 pr-2 text-right font-medium">Tokens</th>
                  <th className="w-1/3 py-1 pr-2 font-medium">Share</th>
                  <th className="py-1 font-medium">Cache</th>
                </tr>
              </thead>
              <tbody>
                {breakdown.rows.map((r) => (
                  <tr key={r.location} className="border-t border-border" data-testid="audit-breakdown-row" data-kind={r.kind}>
                    <td className="py-1 pr-2">{r.label}</td>
                    <td className="py-1 pr-2 text-right font-mono">
                      {approx}
                      {num(r.tokens)}
                    </td>
                    <td className="py-1 pr-2">
                      <div className="flex items-center gap-2">
                        <div className="h-1.5 flex-1 rounded bg-muted">
                          <div
                            className={cx("h-1.5 rounded", r.cached ? "bg-success" : "bg-accent")}
                            style={{ width: `${Math.max(1, Math.round(r.share * 100))}%` }}
                          />
                        </div>
                        <span className="w-9 text-right font-mono text-fg-muted">{pct(r.share)}</span>
                      </div>
                    </td>
                    <td className="py-1">{r.cached ? <Badge tone="success">cached</Badge> : <span className="text-fg-muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>

          <CondenseBlocks
            project={project}
            promptId={prompt.id}
            promptName={prompt.name}
            versionId={row.id}
            version={label}
            blocks={blocks}
            canEdit={canEdit}
            blockedByDraft={hasDraft && !loaded.isDraft}
            estimated={breakdown.estimated}
            condense={condenseBlockAction}
          />
        </div>

        <div className="min-w-0 space-y-4">
          <Card className="p-4" data-testid="audit-calls">
            <h2 className="mb-2 text-sm font-semibold">Calls</h2>
            {stats === null ? (
              <p className="text-xs text-fg-muted">No production calls (API, experiments, ingest) are logged for this version.</p>
            ) : (
              <dl className="space-y-1 text-xs">
                {[
                  ["Sample", `newest ${num(stats.calls)} calls${stats.calls === audit.sampleLimit ? " (the limit)" : ""}`],
                  ["From", formatUtc(stats.from)],
                  ["To", formatUtc(stats.to)],
                  ["Rate", stats.callsPerDay === null ? "—" : `${num(stats.callsPerDay)} calls/day`],
                  ["Input / call", `${num(stats.mean.inputTokens)} tokens (${pct(stats.cachedShare)} read from cache)`],
                  ["Cache", `${num(stats.writeCalls)} calls wrote, ${num(stats.readCalls)} read`],
                  [
                    "Output",
                    `p50 ${num(stats.output.p50)} · p95 ${num(stats.output.p95)} · max ${num(stats.output.max)} (max_tokens ${num(content.modelConfig.max_tokens)})`,
                  ],
                  ["Near window", `${num(stats.nearContextWindow)} calls within 10% of the context window`],
                ].map(([k, v]) => (
                  <div key={k} className="flex gap-3 border-t border-border py-1 first:border-t-0">
                    <dt className="w-24 shrink-0 text-fg-muted">{k}</dt>
                    <dd className="min-w-0" data-testid={`audit-calls-${(k ?? "").toLowerCase().replace(/[^a-z]+/g, "-")}`}>
                      {v}
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </Card>
          <Card className="p-4" data-testid="audit-variables">
            <h2 className="mb-2 text-sm font-semibold">Variables in calls</h2>
            {Object.keys(content.variables).length === 0 ? (
              <p className="text-xs text-fg-muted">This version has no variables.</p>
            ) : stats === null || stats.callsWithVariables === 0 ? (
              <p className="text-xs text-fg-muted">
                {stats === null ? "No calls yet." : "The logged calls did not keep their variables (body storage is off or they were too large)."}
              </p>
            ) : (
              <>
                <table className="w-full text-xs">
                  <thead>
                    <tr className="text-left text-fg-muted">
                      <th className="py-1 pr-2 font-medium">Variable</th>
                      <th className="py-1 pr-2 text-right font-medium">p50</th>
                      <th className="py-1 pr-2 text-right font-medium">p95</th>
                      <th className="py-1 text-right font-medium">Empty</th>
                    </tr>
                  </thead>
                  <tbody>
                    {stats.variables.map((v) => (
                      <tr key={v.name} className="border-t border-border" data-testid="audit-variable">
                        <td className="py-1 pr-2 font-mono">{v.name}</td>
                        <td className="py-1 pr-2 text-right font-mono">~{num(v.p50Tokens)}</td>
                        <td className="py-1 pr-2 text-right font-mono">~{num(v.p95Tokens)}</td>
                        <td className="py-1 text-right font-mono">{pct(v.emptyShare)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p className="mt-1 text-xxs text-fg-muted">Tokens (estimate) of {num(stats.callsWithVariables)} calls that kept their variables.</p>
              </>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
