import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { listPromptSummaries } from "@/lib/projects/queries";
import { LockIcon, PlusIcon, PromptsIcon } from "@/components/icons";
import { Badge, ButtonLink, Card, EmptyState, PageHeader } from "@/components/ui";
import { formatRelative, formatUtc } from "@/components/format";

export const metadata: Metadata = { title: "Prompts" };

// /p/:project/prompts - every prompt of the project with its versions and labels.
export default async function PromptsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const prompts = await listPromptSummaries(access.project.id);
  const canEdit = hasRole(access.role, "EDITOR");
  const now = new Date();

  const newButton = canEdit ? (
    <ButtonLink href={`/p/${access.project.slug}/prompts/new`} variant="primary" data-testid="new-prompt">
      <PlusIcon />
      New prompt
    </ButtonLink>
  ) : null;

  return (
    <>
      <PageHeader
        title="Prompts"
        description="Versioned prompts your apps fetch by label. Published versions are immutable."
        actions={newButton}
      />
      {prompts.length === 0 ? (
        <EmptyState
          testId="prompts-empty"
          icon={<PromptsIcon width={20} height={20} />}
          title="No prompts yet"
          action={newButton}
        >
          {canEdit
            ? "Create your first prompt: write the system prompt and message template, declare its variables, then publish version 1.0.0 and point the production label at it."
            : "Nothing to see yet. An editor of this project creates prompts; ask one to add the first."}
        </EmptyState>
      ) : (
        <Card className="overflow-hidden">
          <table className="w-full text-sm" data-testid="prompt-table">
            <thead>
              <tr className="border-b border-border bg-muted/50 text-left text-xs text-fg-muted">
                <th className="px-4 py-2 font-medium">Name</th>
                <th className="px-4 py-2 font-medium">Latest</th>
                <th className="w-72 px-4 py-2 font-medium">Labels</th>
                <th className="px-4 py-2 text-right font-medium">Updated</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {prompts.map((p) => (
                <tr key={p.id} className="align-top hover:bg-muted/40" data-testid="prompt-row">
                  <td className="px-4 py-3">
                    <div className="font-mono text-[13px] font-medium" data-testid="prompt-name">
                      {p.name}
                    </div>
                    {p.description ? <div className="mt-0.5 line-clamp-2 text-xs text-fg-muted">{p.description}</div> : null}
                    {p.tags.length > 0 ? (
                      <div className="mt-1.5 flex flex-wrap gap-1">
                        {p.tags.map((t) => (
                          <Badge key={t}>{t}</Badge>
                        ))}
                      </div>
                    ) : null}
                  </td>
                  <td className="px-4 py-3 whitespace-nowrap">
                    {p.latestPublished ? (
                      <span className="font-mono text-[13px]">v{p.latestPublished}</span>
                    ) : (
                      <span className="text-xs text-fg-muted">unpublished</span>
                    )}
                    {p.draftVersion ? (
                      <Badge tone="warning" className="ml-1.5" title="An unpublished draft exists">
                        draft <span className="font-mono">{p.draftVersion}</span>
                      </Badge>
                    ) : null}
                    <div className="mt-0.5 text-xxs text-fg-muted">
                      {p.versionCount} version{p.versionCount === 1 ? "" : "s"}
                    </div>
                  </td>
                  <td className="px-4 py-3">
                    {p.labels.length === 0 ? (
                      <span className="text-xs text-fg-muted">none</span>
                    ) : (
                      <div className="flex flex-wrap gap-1">
                        {p.labels.map((l) => (
                          <Badge
                            key={l.name}
                            tone={l.name === "production" ? "success" : l.name === "staging" ? "accent" : "neutral"}
                            title={l.protected ? "Protected: only admins can move this label" : undefined}
                          >
                            {l.protected ? <LockIcon width={10} height={10} /> : null}
                            {l.name}
                            <span className="font-mono opacity-75">v{l.version}</span>
                          </Badge>
                        ))}
                      </div>
                    )}
                  </td>
                  <td className="px-4 py-3 text-right text-xs whitespace-nowrap text-fg-muted" title={formatUtc(p.updatedAt)}>
                    {formatRelative(p.updatedAt, now)}
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
