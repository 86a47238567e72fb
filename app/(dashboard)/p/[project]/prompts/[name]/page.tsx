import { orNotFound } from "@/app/(dashboard)/p/[project]/or-not-found";
import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { compareLabelNames, snippetTarget } from "@/lib/prompts/labels";
import { getPromptByName, getVersionById, listLabelEvents, versionLabel } from "@/lib/prompts/queries";
import { exampleVariables } from "@/lib/prompts/render";
import { variablesSchema } from "@/lib/prompts/schemas";
import { Badge, ButtonLink, Card, cx } from "@/components/ui";
import { formatRelative, formatUtc } from "@/components/format";
import { LabelBadge } from "@/components/prompts/label-badge";
import { LabelPanel, type LabelRow } from "@/components/prompts/label-panel";
import { PublishDialog } from "@/components/prompts/publish-dialog";
import { UsePromptPanel } from "@/components/prompts/use-prompt-panel";
import { DiscardDraftButton, StartDraftButton } from "@/components/prompts/draft-controls";
import { PromptLifecycle } from "@/components/prompts/prompt-lifecycle";
import { decodePromptName, promptPath } from "@/lib/prompts/paths";
import { describeReleaseGate, getReleaseGate } from "@/lib/prompts/release-gate";
import { listSnippetDependents, storedPins } from "@/lib/prompts/snippets";
import { SnippetDependents } from "./snippet-dependents";
import { listReleaseRequests } from "@/lib/prompts/release-requests";
import { describeReleaseRule, getReleaseRules, releaseRuleFor } from "@/lib/prompts/release-rules";
import { ReleaseRequestList } from "@/components/prompts/release-request-list";
import { listPromptRollouts } from "@/lib/rollouts/queries";
import { RolloutPanel } from "./rollout-panel";

type Params = { project: string; name: string };

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const { name } = await params;
  return { title: decodePromptName(name) };
}

/** Example values for the variables callers must send, typed by the served version's contract. */
function sampleFor(variables: unknown): Record<string, unknown> {
  const parsed = variablesSchema.safeParse(variables);
  return parsed.success ? exampleVariables(parsed.data) : {};
}

// /p/:project/prompts/:name - versions, canary rollouts, labels with release actions, label history, API snippets.
export default async function PromptPage({
  params,
  searchParams,
}: {
  params: Promise<Params>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { project: slug, name: rawName } = await params;
  const { published: justPublished } = await searchParams;
  const name = decodePromptName(rawName);
  const access = await requirePageRole(slug, "VIEWER");
  const prompt = await orNotFound(getPromptByName(access.project.id, name));
  const isSnippet = prompt.kind === "SNIPPET";
  const [events, releaseGate, releaseRules, releaseRequests, dependents, rollouts] = await Promise.all([
    listLabelEvents(prompt.id),
    getReleaseGate(access.project.id),
    getReleaseRules(access.project.id),
    listReleaseRequests(access.project.id, { promptId: prompt.id, take: 20 }),
    isSnippet ? listSnippetDependents(access.project.id, prompt.name) : Promise.resolve([]),
    // A snippet is never run: no traffic to roll out.
    isSnippet ? Promise.resolve([]) : listPromptRollouts(access.project.id, prompt.id, { limit: 6 }),
  ]);
  const archived = prompt.archivedAt !== null;
  // An archived prompt is read-only until restored (lib refuses its writes): no edit controls.
  const canEdit = hasRole(access.role, "EDITOR") && !archived;
  const isAdmin = hasRole(access.role, "ADMIN");
  const project = access.project.slug;
  const now = new Date();

  const draft = prompt.versions.find((v) => v.status === "DRAFT") ?? null;
  const published = prompt.versions.filter((v) => v.status === "PUBLISHED");
  const labelsByVersion = new Map<string, { name: string; protected: boolean }[]>();
  for (const l of prompt.labels) labelsByVersion.set(l.versionId, [...(labelsByVersion.get(l.versionId) ?? []), { name: l.name, protected: l.protected }]);

  const labelRows: LabelRow[] = prompt.labels
    .map((l) => {
      const last = events.find((e) => e.labelId === l.id);
      return {
        name: l.name,
        protected: l.protected,
        versionId: l.versionId,
        version: versionLabel(l.version),
        rollbackTo: last?.fromVersion ? versionLabel(last.fromVersion) : null,
        rollbackToId: last?.fromVersion ? last.fromVersionId : null,
      };
    })
    .sort((a, b) => compareLabelNames(a.name, b.name));

  // The snippets ask for a label the prompt has (else its newest version) and sample that version's variables.
  const target = snippetTarget({ labels: prompt.labels, versions: prompt.versions.map((v) => ({ id: v.id, status: v.status, version: versionLabel(v) })) });
  const served = target ? await getVersionById(prompt.id, target.versionId) : null;
  const latest = published[0];
  // "Evaluate" compares the draft with what production serves (or the latest published version).
  const evalBaseline = labelRows.some((l) => l.name === "production") ? "production" : latest ? versionLabel(latest) : null;
  const evalVersions = [evalBaseline, draft ? "draft" : null].filter((v): v is string => v !== null);
  const evaluateHref =
    evalVersions.length > 0
      ? `/p/${project}/evals/new?${new URLSearchParams({ prompt: prompt.name, versions: evalVersions.join(","), ...(evalBaseline ? { baseline: evalBaseline } : {}) }).toString()}`
      : null;

  return (
    <>
      <div className="mb-1 text-xs text-fg-muted">
        <Link href={`/p/${project}/prompts`} className="hover:text-fg">
          Prompts
        </Link>{" "}
        /
      </div>
      <div className="mb-5 flex items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="font-mono text-lg font-semibold tracking-tight" data-testid="prompt-title">
            {prompt.name}
            {isSnippet ? (
              <Badge tone="accent" className="ml-2 align-middle font-sans" data-testid="snippet-badge">
                snippet
              </Badge>
            ) : null}
          </h1>
          {prompt.description ? <p className="mt-0.5 text-sm text-fg-muted">{prompt.description}</p> : null}
          {prompt.tags.length > 0 ? (
            <div className="mt-1.5 flex flex-wrap gap-1">
              {prompt.tags.map((t) => (
                <Badge key={t}>{t}</Badge>
              ))}
            </div>
          ) : null}
        </div>
        <div className="flex shrink-0 items-center gap-2">
          {isSnippet ? null : (
            <ButtonLink href={promptPath(project, prompt.name, "playground")} data-testid="open-playground">
              Playground
            </ButtonLink>
          )}
          {latest && (draft || published.length > 1) ? (
            <ButtonLink
              href={`${promptPath(project, prompt.name, "diff")}?from=${published[1] && !draft ? versionLabel(published[1]) : versionLabel(latest)}&to=${draft ? "draft" : versionLabel(latest)}`}
              data-testid="compare"
            >
              Compare
            </ButtonLink>
          ) : null}
          {canEdit && evaluateHref && !isSnippet ? (
            <ButtonLink href={evaluateHref} data-testid="evaluate-prompt">
              Evaluate
            </ButtonLink>
          ) : null}
          {canEdit ? (
            <ButtonLink href={promptPath(project, prompt.name, "edit")} data-testid="edit-prompt">
              {draft ? "Edit draft" : "New draft"}
            </ButtonLink>
          ) : null}
          {canEdit && draft ? <PublishDialog project={project} promptId={prompt.id} promptName={prompt.name} labels={labelRows} isAdmin={isAdmin} /> : null}
          {hasRole(access.role, "EDITOR") ? (
            <PromptLifecycle
              project={project}
              promptId={prompt.id}
              promptName={prompt.name}
              archived={archived}
              servingLabels={labelRows.map((l) => `${l.name} (v${l.version})`)}
              isAdmin={isAdmin}
            />
          ) : null}
        </div>
      </div>

      {prompt.archivedAt ? (
        <div className="mb-4 rounded-md border border-warning/30 bg-warning/10 px-3 py-2 text-sm" data-testid="archived-banner">
          Archived <span title={formatUtc(prompt.archivedAt)}>{formatRelative(prompt.archivedAt, now)}</span>: hidden from the prompt list and read-only until
          restored.{" "}
          {labelRows.length > 0 ? `Its labels keep serving (${labelRows.map((l) => `${l.name} → v${l.version}`).join(", ")}).` : "No label serves it."}
        </div>
      ) : null}

      {typeof justPublished === "string" ? (
        <div className="mb-4 rounded-md border border-success/30 bg-success/10 px-3 py-2 text-sm text-success" data-testid="published-banner">
          Published v{justPublished}.
        </div>
      ) : null}

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_320px]">
        <div className="min-w-0 space-y-4">
          <Card className="overflow-x-auto">
            <h2 className="border-b border-border px-4 py-2 text-sm font-semibold">Versions</h2>
            <table className="w-full text-sm" data-testid="versions-table">
              <thead>
                <tr className="border-b border-border bg-muted/50 text-left text-xs text-fg-muted">
                  <th className="px-3 py-2 font-medium">Version</th>
                  <th className="px-3 py-2 font-medium">Labels</th>
                  <th className="px-3 py-2 font-medium">Author</th>
                  <th className="px-3 py-2 font-medium">Changelog</th>
                  <th className="px-3 py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {[...(draft ? [draft] : []), ...published].map((v, i, all) => {
                  const label = versionLabel(v);
                  const isDraft = v.status === "DRAFT";
                  const previous = all[i + 1];
                  const at = v.publishedAt ?? v.updatedAt;
                  return (
                    <tr
                      key={v.id}
                      id={`version-${label}`}
                      className={cx("scroll-mt-16 align-top target:bg-accent/10", isDraft && "bg-warning/5")}
                      data-testid="version-row"
                      data-version={label}
                    >
                      <td className="px-3 py-2 whitespace-nowrap">
                        <Link
                          href={promptPath(project, prompt.name, `versions/${label}`)}
                          className="hover:underline"
                          title={isDraft ? "Read the draft" : `Read v${label} in full`}
                          data-testid="version-link"
                        >
                          {isDraft ? <Badge tone="warning">draft</Badge> : <span className="font-mono text-[13px] font-medium text-accent">{`v${label}`}</span>}
                        </Link>
                      </td>
                      <td className="px-3 py-2">
                        <div className="flex flex-wrap gap-1">
                          {(labelsByVersion.get(v.id) ?? []).map((l) => (
                            <LabelBadge key={l.name} {...l} />
                          ))}
                        </div>
                      </td>
                      <td className="px-3 py-2 text-xs whitespace-nowrap">
                        <div>{v.author?.name ?? v.author?.email ?? <span className="text-fg-muted">API</span>}</div>
                        <div className="text-fg-muted" title={formatUtc(at)}>
                          {isDraft ? "edited " : ""}
                          {formatRelative(at, now)}
                        </div>
                      </td>
                      <td className="min-w-48 px-3 py-2 text-xs">
                        {v.changelog || <span className="text-fg-muted">—</span>}
                        {storedPins(v).map((pin) => (
                          <div key={pin.key} className="mt-0.5 text-fg-muted" data-testid="version-pin">
                            <code>{`{{> ${pin.key}}}`}</code> pinned to{" "}
                            <Link className="font-mono text-accent hover:underline" href={promptPath(project, pin.name, `versions/${pin.version}`)}>
                              {pin.name} v{pin.version}
                            </Link>
                          </div>
                        ))}
                      </td>
                      <td className="px-2 py-1.5 text-right whitespace-nowrap">
                        {previous ? (
                          <ButtonLink size="sm" variant="ghost" href={`${promptPath(project, prompt.name, "diff")}?from=${versionLabel(previous)}&to=${label}`}>
                            Diff
                          </ButtonLink>
                        ) : null}
                        {canEdit && isDraft ? <DiscardDraftButton project={project} promptId={prompt.id} /> : null}
                        {canEdit && !isDraft ? (
                          <StartDraftButton
                            project={project}
                            promptId={prompt.id}
                            promptName={prompt.name}
                            versionId={v.id}
                            version={label}
                            hasDraft={draft !== null}
                          />
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </Card>

          {isSnippet ? (
            <Card className="overflow-x-auto">
              <h2 className="border-b border-border px-4 py-2 text-sm font-semibold">Used by</h2>
              <SnippetDependents
                project={project}
                snippetPromptId={prompt.id}
                dependents={dependents}
                latest={latest ? { id: latest.id, version: versionLabel(latest) } : null}
                canEdit={canEdit}
              />
            </Card>
          ) : null}
          {releaseRequests.length > 0 ? (
            <Card className="overflow-hidden" data-testid="prompt-release-requests">
              <h2 className="flex items-center gap-2 border-b border-border px-4 py-2 text-sm font-semibold">
                Release requests
                {releaseRequests.some((r) => r.status === "open") ? (
                  <Badge tone="warning">{releaseRequests.filter((r) => r.status === "open").length} open</Badge>
                ) : null}
              </h2>
              <ReleaseRequestList project={project} requests={releaseRequests} showPrompt={false} now={now} />
            </Card>
          ) : null}

          {isSnippet ? null : (
            <Card className="overflow-hidden">
              <h2 className="border-b border-border px-4 py-2 text-sm font-semibold">Canary rollout</h2>
              <RolloutPanel
                project={project}
                promptName={prompt.name}
                rollouts={rollouts}
                labels={labelRows.map((l) => {
                  const rule = releaseRuleFor(releaseRules, l.name);
                  return { name: l.name, version: l.version, protected: l.protected, approval: rule ? describeReleaseRule(rule) : null };
                })}
                versions={published.map((v) => versionLabel(v))}
                canEdit={canEdit}
                isAdmin={isAdmin}
              />
            </Card>
          )}

          <Card className="overflow-hidden">
            <h2 className="border-b border-border px-4 py-2 text-sm font-semibold">Label history</h2>
            {events.length === 0 ? (
              <p className="px-4 py-3 text-xs text-fg-muted">No releases yet.</p>
            ) : (
              <table className="w-full text-sm" data-testid="label-history">
                <thead>
                  <tr className="border-b border-border bg-muted/50 text-left text-xs text-fg-muted">
                    <th className="px-3 py-2 font-medium">When</th>
                    <th className="px-3 py-2 font-medium">Label</th>
                    <th className="px-3 py-2 font-medium">Move</th>
                    <th className="px-3 py-2 font-medium">Who</th>
                    <th className="px-3 py-2 font-medium">Reason</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-border">
                  {events.map((e) => (
                    <tr key={e.id} data-testid="label-event">
                      <td className="px-3 py-1.5 text-xs whitespace-nowrap text-fg-muted" title={formatUtc(e.at)}>
                        {formatRelative(e.at, now)}
                      </td>
                      <td className="px-3 py-1.5">
                        <LabelBadge name={e.label.name} protected={false} />
                      </td>
                      <td className="px-3 py-1.5 font-mono text-xs whitespace-nowrap" data-testid="label-event-move">
                        {e.fromVersion ? `v${versionLabel(e.fromVersion)}` : "new"} → v{versionLabel(e.toVersion)}
                      </td>
                      <td className="px-3 py-1.5 text-xs whitespace-nowrap">{e.actor?.name ?? e.actor?.email ?? e.actorLabel ?? "—"}</td>
                      <td className="px-3 py-1.5 text-xs text-fg-muted">{e.reason ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </div>

        <div className="space-y-4">
          <Card className="overflow-hidden">
            <h2 className="border-b border-border px-4 py-2 text-sm font-semibold">Labels</h2>
            <LabelPanel
              project={project}
              promptId={prompt.id}
              labels={labelRows}
              versions={published.map((v) => ({ id: v.id, version: versionLabel(v) }))}
              canEdit={canEdit}
              isAdmin={isAdmin}
              gate={releaseGate ? { labels: releaseGate.labels, rule: describeReleaseGate(releaseGate) } : null}
              approvals={releaseRules.map((r) => ({ label: r.label, rule: describeReleaseRule(r) }))}
            />
          </Card>
          {isSnippet ? (
            <Card className="overflow-hidden">
              <h2 className="border-b border-border px-4 py-2 text-sm font-semibold">Include this snippet</h2>
              <div className="space-y-2 px-4 py-3 text-xs" data-testid="include-snippet">
                <p>Write this in any block of a prompt; publishing the prompt pins the exact version the label points to.</p>
                <code className="block rounded bg-muted px-2 py-1 font-mono">{`{{> ${prompt.name}@${labelRows[0]?.name ?? "production"}}}`}</code>
                {latest ? <code className="block rounded bg-muted px-2 py-1 font-mono">{`{{> ${prompt.name}@${versionLabel(latest)}}}`}</code> : null}
              </div>
            </Card>
          ) : (
            <Card className="overflow-hidden">
              <h2 className="border-b border-border px-4 py-2 text-sm font-semibold">Use this prompt</h2>
              {target ? (
                <UsePromptPanel name={prompt.name} selector={target.selector} sampleVariables={sampleFor(served?.variables)} />
              ) : (
                <p className="px-4 py-3 text-xs text-fg-muted" data-testid="use-prompt-unpublished">
                  Publish a version to serve this prompt through the API; drafts are not served.
                </p>
              )}
            </Card>
          )}
        </div>
      </div>
    </>
  );
}
