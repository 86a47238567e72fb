import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { fittingPrompts } from "@/lib/datasets/contract";
import { listDatasets } from "@/lib/datasets/queries";
import { DatasetsIcon } from "@/components/icons";
import { Badge, ButtonLink, Card, EmptyState, PageHeader } from "@/components/ui";
import { formatDay } from "@/components/format";

export const metadata: Metadata = { title: "Datasets" };

// /p/:project/datasets - test cases with expected outputs for evaluations.
export default async function DatasetsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const datasets = await listDatasets(access.project.id);
  const fits = await fittingPrompts(access.project.id, datasets);
  const canEdit = hasRole(access.role, "EDITOR");
  const base = `/p/${access.project.slug}/datasets`;
  return (
    <>
      <PageHeader
        title="Datasets"
        description="Variable sets with expected outputs, used to evaluate versions before release. Every change makes a new immutable version."
        actions={
          canEdit ? (
            <ButtonLink variant="primary" href={`${base}/new`} data-testid="new-dataset">
              New dataset
            </ButtonLink>
          ) : null
        }
      />
      {datasets.length === 0 ? (
        <EmptyState
          testId="datasets-empty"
          icon={<DatasetsIcon width={20} height={20} />}
          title="No datasets yet"
          action={
            canEdit ? (
              <ButtonLink variant="primary" href={`${base}/new`}>
                Create a dataset
              </ButtonLink>
            ) : null
          }
        >
          Build one from representative inputs (and the answers you expect): upload a CSV or JSONL file, add logged calls from the call explorer, or add items
          by hand. Then evaluate a draft against it before you publish.
        </EmptyState>
      ) : (
        <Card className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="datasets-table">
            <thead className="border-b border-border text-left text-xs text-fg-muted">
              <tr>
                <th className="px-3 py-2 font-medium">Dataset</th>
                <th className="px-3 py-2 text-right font-medium">Items</th>
                <th className="px-3 py-2 text-right font-medium">Versions</th>
                <th className="px-3 py-2 font-medium">Fits prompts</th>
                <th className="px-3 py-2 font-medium">Updated</th>
              </tr>
            </thead>
            <tbody>
              {datasets.map((d) => {
                const prompts = fits.get(d.id) ?? [];
                return (
                  <tr key={d.id} className="border-b border-border last:border-0 hover:bg-muted/50" data-testid="dataset-row">
                    <td className="px-3 py-2">
                      <Link href={`${base}/${encodeURIComponent(d.name)}`} className="font-medium text-accent hover:underline">
                        {d.name}
                      </Link>
                      {d.description ? <div className="max-w-md truncate text-xs text-fg-muted">{d.description}</div> : null}
                    </td>
                    <td className="px-3 py-2 text-right tabular-nums" data-testid="dataset-items">
                      {d.itemCount.toLocaleString("en-US")}
                    </td>
                    <td className="px-3 py-2 text-right tabular-nums">{d.latestVersion}</td>
                    <td className="px-3 py-2 text-xs" data-testid="dataset-fits">
                      {prompts.length === 0 ? (
                        <span className="text-fg-muted">{d.itemCount === 0 ? "no items yet" : "none"}</span>
                      ) : (
                        <span className="flex flex-wrap gap-1">
                          {prompts.map((p) => (
                            <Badge key={p} tone="success">
                              {p}
                            </Badge>
                          ))}
                        </span>
                      )}
                    </td>
                    <td className="px-3 py-2 text-xs text-fg-muted">{formatDay(d.updatedAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="border-t border-border px-3 py-2 text-xxs text-fg-muted">
            A dataset fits a prompt when its items (the first 200 of the latest version) carry the variables the prompt&apos;s production (or latest) version
            requires, with the right types.
          </p>
        </Card>
      )}
    </>
  );
}
