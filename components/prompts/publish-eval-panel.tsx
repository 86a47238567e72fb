"use client";

import Link from "next/link";
import { Badge, cx } from "@/components/ui";
import type { EvaluatorSummary, PublishEvalStatus } from "@/lib/evals/latest";

const fmt = (x: number) => x.toFixed(2);
const fmtPct = (x: number) => `${(x * 100).toFixed(0)}%`;

function Score({ s }: { s: EvaluatorSummary | undefined }) {
  if (!s || s.mean === null) return <span className="text-fg-muted">—</span>;
  return (
    <span className="tabular-nums">
      {fmt(s.mean)}
      {s.ci95 ? (
        <span className="text-fg-muted">
          {" "}
          [{fmt(s.ci95[0])}–{fmt(s.ci95[1])}]
        </span>
      ) : null}
      {s.passRate !== null ? <span className="text-fg-muted"> · {fmtPct(s.passRate)} pass</span> : null}
    </span>
  );
}

const statusTone = { queued: "neutral", running: "accent", completed: "success", failed: "danger", canceled: "warning" } as const;

/**
 * The publish dialog's evaluation panel: the draft's latest eval against the version the label
 * serves (each evaluator's mean with its 95% interval and pass rate, regressions, the verdict, a
 * link to the run) or a link to start one, and for each gated label whether the release gate lets
 * it move to the draft (`selected`: the labels ticked for this publish).
 */
export function PublishEvalPanel({
  project,
  promptName,
  status,
  selected,
}: {
  project: string;
  promptName: string;
  status: PublishEvalStatus;
  selected: readonly string[];
}) {
  const latest = status.latest;
  const newEvalHref = `/p/${project}/evals/new?prompt=${encodeURIComponent(promptName)}`;
  const evaluatorIds = latest ? [...new Set([...Object.keys(latest.draft?.evaluators ?? {}), ...Object.keys(latest.baseline?.evaluators ?? {})])] : [];
  return (
    <section className="space-y-2 rounded-md border border-border p-3" data-testid="publish-eval-panel" aria-label="Evaluation">
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="text-xs font-semibold">Evaluation</h3>
        {latest ? (
          <>
            <Badge tone={statusTone[latest.status]} data-testid="publish-eval-status">
              {latest.status}
            </Badge>
            <span className="text-xs text-fg-muted">
              {latest.dataset.name} v{latest.dataset.version} ·{" "}
              {latest.endedAt ? `finished ${latest.endedAt.slice(0, 16).replace("T", " ")} UTC` : "not finished"}
            </span>
            <Link href={`/p/${project}/evals/${latest.runId}`} className="ml-auto text-xs text-accent hover:underline" data-testid="publish-eval-run-link">
              View run →
            </Link>
          </>
        ) : null}
      </div>
      {!latest ? (
        <p className="text-xs" data-testid="publish-eval-none">
          No eval of this draft yet —{" "}
          <Link href={newEvalHref} className="text-accent hover:underline" data-testid="publish-eval-new-link">
            run one
          </Link>{" "}
          to compare it with the version production serves before you publish.
        </p>
      ) : (
        <>
          {!latest.current ? (
            <p className="text-xs text-warning" data-testid="publish-eval-outdated">
              The draft changed after this eval: it scored earlier content.{" "}
              <Link href={newEvalHref} className="text-accent hover:underline">
                Run it again
              </Link>
              .
            </p>
          ) : null}
          {evaluatorIds.length > 0 ? (
            <table className="w-full text-xs" data-testid="publish-eval-scores">
              <thead className="text-left text-fg-muted">
                <tr>
                  <th className="py-1 pr-2 font-medium">Evaluator</th>
                  <th className="py-1 pr-2 font-medium">Draft</th>
                  {latest.baseline ? (
                    <th className="py-1 font-medium">
                      {latest.baseline.display}
                      {latest.baseline.servedBy.length > 0 ? ` (${latest.baseline.servedBy.join(", ")})` : " (baseline)"}
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {evaluatorIds.map((id) => (
                  <tr key={id} className="border-t border-border">
                    <td className="py-1 pr-2 font-mono">{id}</td>
                    <td className="py-1 pr-2">
                      <Score s={latest.draft?.evaluators[id]} />
                    </td>
                    {latest.baseline ? (
                      <td className="py-1">
                        <Score s={latest.baseline.evaluators[id]} />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <p className="text-xs" data-testid="publish-eval-verdict">
            {latest.regressions !== null ? (
              <span className={cx("mr-1 font-medium", latest.regressions > 0 ? "text-danger" : "text-success")} data-testid="publish-eval-regressions">
                {latest.regressions} regression{latest.regressions === 1 ? "" : "s"}.
              </span>
            ) : null}
            {latest.verdict}
          </p>
        </>
      )}
      {status.gate && status.gate.decisions.length > 0 ? (
        <div className="border-t border-border pt-2" data-testid="publish-gate">
          <p className="mb-1 text-xs text-fg-muted">Release gate: {status.gate.rule}. A rollback to a version a label served before is exempt.</p>
          <ul className="space-y-1">
            {status.gate.decisions.map((d) => (
              <li
                key={d.label}
                className={cx("text-xs", !d.allowed && selected.includes(d.label) ? "font-medium text-danger" : "")}
                data-testid={`publish-gate-${d.label}`}
              >
                <Badge tone={d.allowed ? "success" : "danger"}>{d.allowed ? "allowed" : "blocked"}</Badge> <span className="font-mono">{d.label}</span>:{" "}
                {d.allowed ? "may move to the draft once published." : d.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
