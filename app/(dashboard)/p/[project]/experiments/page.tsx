import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { listExperiments } from "@/lib/experiments/queries";
import { ExperimentsIcon } from "@/components/icons";
import { Badge, ButtonLink, Card, EmptyState, PageHeader } from "@/components/ui";
import { StatusBadge } from "@/components/experiments/status-badge";
import { formatDay } from "@/components/format";

export const metadata: Metadata = { title: "Experiments" };

// /p/:project/experiments - A/B tests between prompt versions.
export default async function ExperimentsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const experiments = await listExperiments(access.project.id);
  const canEdit = hasRole(access.role, "EDITOR");
  const base = `/p/${access.project.slug}/experiments`;
  return (
    <>
      <PageHeader
        title="Experiments"
        description="A/B tests that split a label's traffic between prompt versions."
        actions={
          canEdit ? (
            <ButtonLink variant="primary" href={`${base}/new`} data-testid="new-experiment">
              New experiment
            </ButtonLink>
          ) : null
        }
      />
      {experiments.length === 0 ? (
        <EmptyState
          testId="experiments-empty"
          icon={<ExperimentsIcon width={20} height={20} />}
          title="No experiments yet"
          action={
            canEdit ? (
              <ButtonLink variant="primary" href={`${base}/new`}>
                Create an experiment
              </ButtonLink>
            ) : (
              <ButtonLink href={`/p/${access.project.slug}/prompts`}>Go to prompts</ButtonLink>
            )
          }
        >
          An experiment splits a label&apos;s traffic (e.g. production) between two or more published versions of a prompt and tells you, with confidence
          intervals, which one is better on accuracy, errors, cost or latency. Publish a second version of a prompt, then create an experiment on its label.
        </EmptyState>
      ) : (
        <Card className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="experiments-table">
            <thead className="border-b border-border text-left text-xs text-fg-muted">
              <tr>
                <th className="px-3 py-2 font-medium">Experiment</th>
                <th className="px-3 py-2 font-medium">Status</th>
                <th className="px-3 py-2 font-medium">Prompt · label</th>
                <th className="px-3 py-2 font-medium">Split</th>
                <th className="px-3 py-2 font-medium">Started</th>
                <th className="px-3 py-2 text-right font-medium">Calls</th>
                <th className="px-3 py-2 font-medium">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {experiments.map((e) => (
                <tr key={e.id} className="border-b border-border last:border-0 hover:bg-muted/50" data-testid="experiment-row">
                  <td className="px-3 py-2">
                    <Link href={`${base}/${e.id}`} className="font-medium text-accent hover:underline">
                      {e.name}
                    </Link>
                  </td>
                  <td className="px-3 py-2">
                    <StatusBadge status={e.status} />
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">
                    {e.prompt.name} · {e.label}
                  </td>
                  <td className="px-3 py-2 text-xs">
                    {e.variants.map((v) => (
                      <span key={v.key} className="mr-2 whitespace-nowrap">
                        {v.key} {v.version} <span className="text-fg-muted">{v.weight}%</span>
                        {v.paused ? (
                          <Badge tone="danger" className="ml-1">
                            paused
                          </Badge>
                        ) : null}
                      </span>
                    ))}
                  </td>
                  <td className="px-3 py-2 text-xs text-fg-muted">{e.startedAt ? formatDay(new Date(e.startedAt)) : "not started"}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{e.calls.toLocaleString("en-US")}</td>
                  <td className="px-3 py-2 text-xs whitespace-nowrap" data-testid="experiment-outcome">
                    {e.promotedKey ? (
                      <Badge tone="success">{e.promotedKey} promoted</Badge>
                    ) : e.status === "COMPLETED" ? (
                      <span className="text-fg-muted">ended without promoting</span>
                    ) : e.winnerKey ? (
                      <Badge tone="success">{e.winnerKey} wins</Badge>
                    ) : e.leadingKey ? (
                      <span>
                        {e.leadingKey} leads <span className="text-fg-muted">(no winner yet)</span>
                      </span>
                    ) : (
                      "–"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
