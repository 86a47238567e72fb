import Link from "next/link";
import { Badge, Card } from "@/components/ui";
import { fmtPercent, fmtUsd } from "@/components/metrics/format";
import type { ReleaseEvidence } from "@/lib/prompts/release-evidence";
import type { ReleaseRequestView } from "@/lib/prompts/release-requests";
import type { BlockChange } from "@/lib/prompts/diff";
import { DiffBlockRow } from "./diff-block-row";

const show = (v: unknown): string => (v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));

export function releaseStatusTone(status: ReleaseRequestView["status"]) {
  return status === "open" ? ("warning" as const) : status === "approved" ? ("success" as const) : ("danger" as const);
}

/** A request's status as a badge. */
export function ReleaseStatusBadge({ status }: { status: ReleaseRequestView["status"] }) {
  return (
    <Badge tone={releaseStatusTone(status)} data-testid="release-status">
      {status}
    </Badge>
  );
}

function costChange(before: number | null | undefined, after: number | null | undefined): string | null {
  if (before === null || before === undefined || after === null || after === undefined || before === 0) return null;
  const change = (after - before) / before;
  return `${change >= 0 ? "+" : ""}${(change * 100).toFixed(1)}%`;
}

/**
 * The evidence stored with a release request, for the reviewer: semver reasons, contract changes,
 * the latest eval and the release gate, cost per call before and after, and the diff against what
 * the label served when the request was made.
 */
export function ReleaseEvidenceView({ evidence, project }: { evidence: ReleaseEvidence; project: string }) {
  const { semver, contract, eval: ev, gate, cost, diff } = evidence;
  const blocks: Array<{ title: string; changed: boolean; blocks: BlockChange[] }> = diff
    ? [
        { title: "System", changed: diff.system.changed, blocks: diff.system.blocks },
        { title: "Messages", changed: diff.messages.changed, blocks: diff.messages.blocks },
      ]
    : [];
  const fieldRows = diff
    ? [
        ...diff.modelConfig.fields.map((f) => ({ ...f, field: f.field })),
        ...diff.policy.fields.map((f) => ({ ...f, field: `policy.${f.field}` })),
        ...diff.output.fields.map((f) => ({ ...f, field: `output.${f.field}` })),
      ]
    : [];
  const previewChange = costChange(cost.before?.previewMicros, cost.after.previewMicros);
  return (
    <div className="space-y-4" data-testid="release-evidence">
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Card className="p-4" data-testid="evidence-semver">
          <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
            What changed
            {semver ? (
              <Badge tone={semver.bump === "major" ? "danger" : semver.bump === "minor" ? "accent" : "neutral"} data-testid="evidence-bump">
                {semver.bump}
              </Badge>
            ) : (
              <Badge>new label</Badge>
            )}
          </h2>
          {semver ? (
            <ul className="list-disc space-y-0.5 pl-5 text-xs" data-testid="evidence-reasons">
              {semver.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : (
            <p className="text-xs text-fg-muted">The label does not exist yet: nothing to compare with.</p>
          )}
        </Card>

        <Card className="p-4" data-testid="evidence-contract">
          <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
            Callers&apos; contract
            {contract.breaking.length > 0 ? <Badge tone="danger">breaking</Badge> : <Badge tone="success">compatible</Badge>}
          </h2>
          {contract.changes.length === 0 ? <p className="text-xs text-fg-muted">Same variables contract: callers&apos; calls stay valid.</p> : null}
          <ul className="space-y-1 text-xs">
            {contract.changes.map((c) => (
              <li key={`${c.variable}-${c.kind}`}>
                <Badge tone={c.breaking ? "danger" : "neutral"}>{c.breaking ? "breaks callers" : "compatible"}</Badge> {c.message}
              </li>
            ))}
          </ul>
          <p className="mt-2 text-xxs text-fg-muted">
            {contract.recentCalls.checked > 0
              ? `${contract.recentCalls.incompatible} of the last ${contract.recentCalls.checked} recorded calls (${contract.recentCalls.days} days) would be refused by v${contract.to}.`
              : `No recorded calls in the last ${contract.recentCalls.days} days to check.`}
          </p>
        </Card>

        <Card className="p-4" data-testid="evidence-eval">
          <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
            Evaluation
            {gate.status === "not_gated" ? null : gate.allowed ? <Badge tone="success">gate passes</Badge> : <Badge tone="danger">gate refuses</Badge>}
          </h2>
          {ev ? (
            <div className="space-y-1 text-xs">
              <p>
                Latest eval of <span className="font-mono">v{ev.display}</span>, finished {ev.endedAt.slice(0, 16).replace("T", " ")} UTC:{" "}
                <span className="font-medium">score {ev.score === null ? "—" : ev.score.toFixed(2)}</span>, pass rate {fmtPercent(ev.passRate)}
                {ev.items !== null ? ` over ${ev.items} items` : ""}
                {ev.regressions !== null ? `, ${ev.regressions} regression${ev.regressions === 1 ? "" : "s"}` : ""}.{" "}
                <Link className="text-accent hover:underline" href={`/p/${project}/evals/${ev.runId}`}>
                  Open the run
                </Link>
              </p>
              {ev.gateReasons.length > 0 ? <p className="text-fg-muted">{ev.gateReasons.join("; ")}</p> : null}
            </div>
          ) : (
            <p className="text-xs text-fg-muted" data-testid="evidence-no-eval">
              No completed eval of this version.
            </p>
          )}
          <p className="mt-2 text-xxs text-fg-muted">{gate.message}</p>
        </Card>

        <Card className="p-4" data-testid="evidence-cost">
          <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
            Cost per call {previewChange ? <Badge tone={previewChange.startsWith("+") ? "warning" : "success"}>{previewChange}</Badge> : null}
          </h2>
          <table className="w-full text-xs">
            <thead>
              <tr className="text-left text-fg-muted">
                <th className="py-1 font-medium" />
                <th className="py-1 font-medium">Model</th>
                <th className="py-1 font-medium">Preview</th>
                <th className="py-1 font-medium">Logged ({cost.days} days)</th>
              </tr>
            </thead>
            <tbody>
              {[
                ["Before", cost.before],
                ["After", cost.after],
              ].map(([name, side]) =>
                side && typeof side === "object" ? (
                  <tr key={name as string} className="border-t border-border" data-testid={`evidence-cost-${(name as string).toLowerCase()}`}>
                    <td className="py-1 pr-2 font-medium">
                      {name as string} <span className="font-mono text-fg-muted">v{side.version}</span>
                    </td>
                    <td className="py-1 pr-2 font-mono">{side.model}</td>
                    <td className="py-1 pr-2 font-mono">{side.previewMicros === null ? "unknown model" : fmtUsd(side.previewMicros)}</td>
                    <td className="py-1 font-mono">{side.loggedCalls > 0 ? `${fmtUsd(side.loggedMicros)} (${side.loggedCalls} calls)` : "no calls"}</td>
                  </tr>
                ) : null,
              )}
            </tbody>
          </table>
          <p className="mt-2 text-xxs text-fg-muted">
            Preview at {Math.round(cost.hitRate * 100)}% cache hits and {cost.outputTokens} output tokens per call.
          </p>
        </Card>
      </div>

      {diff ? (
        <Card className="p-4" data-testid="evidence-diff">
          <h2 className="mb-2 text-sm font-semibold">
            Diff <span className="font-mono">v{evidence.from?.version}</span> → <span className="font-mono">v{evidence.to.version}</span>
            {diff.identical ? (
              <Badge className="ml-2" tone="success">
                identical
              </Badge>
            ) : null}
          </h2>
          <div className="space-y-3">
            {blocks.map((s) => (
              <div key={s.title}>
                <h3 className="mb-1 flex items-center gap-2 text-xs font-semibold">
                  {s.title} {s.changed ? <Badge tone="warning">changed</Badge> : <Badge>unchanged</Badge>}
                </h3>
                <div className="space-y-2">
                  {s.blocks.map((c, i) => (
                    <DiffBlockRow key={i} change={c} />
                  ))}
                </div>
              </div>
            ))}
            {diff.variables.changes.length > 0 || fieldRows.length > 0 ? (
              <table className="w-full table-fixed text-xs" data-testid="evidence-fields">
                <thead>
                  <tr className="text-left text-fg-muted">
                    <th className="w-1/5 py-1 pr-2 font-medium">Field</th>
                    <th className="py-1 pr-2 font-medium">{evidence.from ? `v${evidence.from.version}` : "before"}</th>
                    <th className="py-1 font-medium">v{evidence.to.version}</th>
                  </tr>
                </thead>
                <tbody>
                  {diff.variables.changes.map((c) => (
                    <tr key={`var-${c.name}`} className="border-t border-border align-top" data-testid="evidence-variable" data-change={c.type}>
                      <td className="py-1 pr-2 font-mono break-words">
                        variables.{c.name} <Badge tone={c.type === "added" ? "success" : c.type === "removed" ? "danger" : "warning"}>{c.type}</Badge>
                      </td>
                      <td className="py-1 pr-2 font-mono break-words text-danger">
                        {c.type === "added" ? <span className="font-sans text-fg-muted italic">not defined</span> : show(c.before)}
                      </td>
                      <td className="py-1 font-mono break-words text-success">
                        {c.type === "removed" ? <span className="font-sans text-fg-muted italic">removed</span> : show(c.after)}
                      </td>
                    </tr>
                  ))}
                  {fieldRows.map((f) => (
                    <tr key={f.field} className="border-t border-border align-top">
                      <td className="py-1 pr-2 font-mono break-words">{f.field}</td>
                      <td className="py-1 pr-2 font-mono break-words text-danger">{show(f.before)}</td>
                      <td className="py-1 font-mono break-words text-success">{show(f.after)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </div>
        </Card>
      ) : null}
    </div>
  );
}
