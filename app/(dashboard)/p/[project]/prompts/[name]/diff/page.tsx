import { describeCondition, type RoutingChange, type RoutingRule } from "@/lib/prompts/routing";
import { orNotFound } from "@/app/(dashboard)/p/[project]/or-not-found";
import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { listModelSpecs } from "@/lib/models/queries";
import { analyzeCache } from "@/lib/prompts/cache";
import { diffAcknowledgements, diffVersions, type BlockChange } from "@/lib/prompts/diff";
import { DiffLines as Lines } from "@/components/prompts/diff-lines";
import { resolveVersionIncludes } from "@/lib/prompts/snippets";
import { DiffBlockRow as BlockRow } from "@/components/prompts/diff-block-row";
import { DiffHistoriesCard, DiffToolsCard } from "@/components/prompts/diff-tools";
import { VersionComments } from "@/components/prompts/version-comments";
import { listVersionComments } from "@/lib/prompts/comments";
import { hasRole } from "@/lib/projects/roles";
import { getPromptByName, getVersionById, versionLabel } from "@/lib/prompts/queries";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import { proposeBump } from "@/lib/prompts/versioning";
import { Badge, Card, EmptyState } from "@/components/ui";
import { decodePromptName, promptPath } from "@/lib/prompts/paths";
import { describeLocation } from "@/lib/prompts/locations";

type Params = { project: string; name: string };

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const { name } = await params;
  return { title: `Diff ${decodePromptName(name)}` };
}

const show = (v: unknown): string => (v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));

// /p/:project/prompts/:name/diff?from=<version>&to=<version|draft> - two versions side by side.
export default async function DiffPage({
  params,
  searchParams,
}: {
  params: Promise<Params>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { project: slug, name: rawName } = await params;
  const sp = await searchParams;
  const name = decodePromptName(rawName);
  const access = await requirePageRole(slug, "VIEWER");
  const prompt = await orNotFound(getPromptByName(access.project.id, name));
  const project = access.project.slug;
  const options = prompt.versions.map((v) => versionLabel(v));
  const published = prompt.versions.filter((v) => v.status === "PUBLISHED");
  const hasDraft = prompt.versions.some((v) => v.status === "DRAFT");
  const fromLabel = typeof sp.from === "string" ? sp.from : published[1] ? versionLabel(published[1]) : published[0] ? versionLabel(published[0]) : "";
  const toLabel = typeof sp.to === "string" ? sp.to : hasDraft ? "draft" : published[0] ? versionLabel(published[0]) : "";
  const fromRow = prompt.versions.find((v) => versionLabel(v) === fromLabel);
  const toRow = prompt.versions.find((v) => versionLabel(v) === toLabel);

  const picker = (
    <form method="get" className="flex flex-wrap items-end gap-2 text-sm" data-testid="diff-picker">
      <label className="text-xs">
        <span className="block text-fg-muted">From</span>
        <select name="from" defaultValue={fromLabel} className="h-8 rounded-md border border-border bg-surface px-2 font-mono text-sm">
          {options.map((o) => (
            <option key={o} value={o}>
              {o === "draft" ? "draft" : `v${o}`}
            </option>
          ))}
        </select>
      </label>
      <label className="text-xs">
        <span className="block text-fg-muted">To</span>
        <select name="to" defaultValue={toLabel} className="h-8 rounded-md border border-border bg-surface px-2 font-mono text-sm">
          {options.map((o) => (
            <option key={o} value={o}>
              {o === "draft" ? "draft" : `v${o}`}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="h-8 rounded-md border border-border bg-surface px-3 text-sm hover:bg-muted">
        Compare
      </button>
    </form>
  );

  const header = (
    <>
      <div className="mb-1 text-xs text-fg-muted">
        <Link href={`/p/${project}/prompts`} className="hover:text-fg">
          Prompts
        </Link>{" "}
        /{" "}
        <Link href={promptPath(project, prompt.name)} className="font-mono hover:text-fg">
          {prompt.name}
        </Link>{" "}
        / diff
      </div>
      <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-lg font-semibold">
          Compare <span className="font-mono">{fromLabel === "draft" ? "draft" : `v${fromLabel}`}</span> →{" "}
          <span className="font-mono">{toLabel === "draft" ? "draft" : `v${toLabel}`}</span>
        </h1>
        {picker}
      </div>
    </>
  );

  if (!fromRow || !toRow) {
    return (
      <>
        {header}
        <EmptyState title="Pick two versions" testId="diff-missing">
          {options.length < 2
            ? "This prompt has only one version so far."
            : `Unknown version ${!fromRow ? fromLabel || "(none)" : toLabel}. Choose both sides above.`}
        </EmptyState>
      </>
    );
  }

  const [a, b, catalog, comments] = await Promise.all([
    getVersionById(prompt.id, fromRow.id),
    getVersionById(prompt.id, toRow.id),
    listModelSpecs(),
    listVersionComments(prompt.id, [fromRow.id, toRow.id]),
  ]);
  const canComment = hasRole(access.role, "EDITOR") && !prompt.archivedAt;
  let ca: PromptVersionContent, cb: PromptVersionContent;
  try {
    ca = parseVersionContent(a, { catalog });
    cb = parseVersionContent(b, { catalog });
  } catch (error) {
    return (
      <>
        {header}
        <EmptyState title="This version cannot be compared" testId="diff-invalid">
          {isAppError(error) ? error.message : "One of the versions does not parse."} Fix the draft in the editor first.
        </EmptyState>
      </>
    );
  }
  // A draft's includes are pinned at publish: compare it as it would be pinned now.
  const pinned = async (row: { status: string }, content: PromptVersionContent): Promise<PromptVersionContent> =>
    row.status === "DRAFT" ? { ...content, snippets: (await resolveVersionIncludes(access.project.id, prompt.name, content)).pins } : content;
  [ca, cb] = await Promise.all([pinned(a, ca), pinned(b, cb)]);
  const diff = diffVersions(ca, cb);
  const bump = proposeBump(ca, cb, { catalog });
  const acks = diffAcknowledgements(a?.cacheAcknowledgements ?? [], b?.cacheAcknowledgements ?? []);
  // Which {{variables}} each acknowledged breakpoint accepts, from the side that has it.
  const variablesAt = new Map(
    [...analyzeCache(ca, { catalog }).breakpoints, ...analyzeCache(cb, { catalog }).breakpoints].map((bp) => [bp.location, bp.variablesInPrefix] as const),
  );
  const ackRows = [
    ...acks.kept.map((location) => ({ location, type: "kept" as const })),
    ...acks.added.map((location) => ({ location, type: "added" as const })),
    ...acks.removed.map((location) => ({ location, type: "removed" as const })),
  ];
  const sections: Array<{ title: string; changed: boolean; blocks: BlockChange[] }> = [
    { title: "System", changed: diff.system.changed, blocks: diff.system.blocks },
    { title: "Messages", changed: diff.messages.changed, blocks: diff.messages.blocks },
  ];

  return (
    <>
      {header}
      <Card className="mb-4 p-4" data-testid="diff-summary">
        <div className="flex flex-wrap items-center gap-2 text-sm">
          {diff.identical ? <Badge tone="success">identical</Badge> : null}
          <span>Bump this change needs:</span>
          <Badge tone={bump.bump === "major" ? "danger" : bump.bump === "minor" ? "accent" : "neutral"} data-testid="diff-bump">
            {bump.bump}
          </Badge>
          {(
            [
              ["system", diff.system.changed],
              ["messages", diff.messages.changed],
              ["variables", diff.variables.changed],
              ["model config", diff.modelConfig.changed],
              ["output", diff.output.changed],
              ["policy", diff.policy.changed],
              ["snippets", diff.snippets.changed],
              ["tools", diff.tools.changed],
              ["chat history", diff.histories.changed],
              ["routing", diff.routing.changed],
            ] as const
          ).map(([label, changed]) =>
            changed ? (
              <Badge key={label} tone="warning">
                {label} changed
              </Badge>
            ) : null,
          )}
          {acks.changed ? <Badge tone="neutral">cache acknowledgements changed</Badge> : null}
        </div>
        <ul className="mt-2 list-disc space-y-0.5 pl-5 text-xs text-fg-muted" data-testid="diff-reasons">
          {bump.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      </Card>

      <div className="space-y-4">
        {sections.map((s) => (
          <Card key={s.title} className="p-4">
            <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
              {s.title} {s.changed ? <Badge tone="warning">changed</Badge> : <Badge>unchanged</Badge>}
            </h2>
            <div className="mb-1 grid grid-cols-2 text-xxs font-medium text-fg-muted">
              <span>{fromLabel === "draft" ? "draft" : `v${fromLabel}`}</span>
              <span className="pl-2">{toLabel === "draft" ? "draft" : `v${toLabel}`}</span>
            </div>
            <div className="space-y-2">
              {s.blocks.length === 0 ? <p className="text-xs text-fg-muted">No blocks.</p> : null}
              {s.blocks.map((c, i) => (
                <BlockRow key={i} change={c} />
              ))}
            </div>
          </Card>
        ))}

        {diff.tools.changed || (cb.modelConfig.tools ?? []).length > 0 || (ca.modelConfig.tools ?? []).length > 0 ? <DiffToolsCard tools={diff.tools} /> : null}
        {diff.histories.changed || Object.values({ ...ca.variables, ...cb.variables }).some((v) => v.type === "messages") ? (
          <DiffHistoriesCard changes={diff.histories.changes} turns={{ before: ca.messages.length, after: cb.messages.length }} />
        ) : null}

        {diff.snippets.changes.length > 0 || (ca.snippets ?? []).length > 0 ? (
          <Card className="p-4" data-testid="diff-snippets">
            <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
              Snippets {diff.snippets.changed ? <Badge tone="warning">changed</Badge> : <Badge>unchanged</Badge>}
            </h2>
            {diff.snippets.changes.length === 0 ? (
              <p className="text-xs text-fg-muted">Same pins: {(ca.snippets ?? []).map((p) => `${p.name} v${p.version}`).join(", ")}.</p>
            ) : null}
            <div className="space-y-2">
              {diff.snippets.changes.map((c) => (
                <div key={c.name} className="rounded-md border border-border">
                  <div className="border-b border-border px-3 py-1.5 text-xs">
                    <Badge tone={c.type === "added" ? "success" : c.type === "removed" ? "danger" : "warning"}>{c.type}</Badge>{" "}
                    <span className="font-mono">
                      {c.name}: {c.before ? `v${c.before.version}` : "—"} → {c.after ? `v${c.after.version}` : "—"}
                    </span>{" "}
                    <span className="text-fg-muted">
                      (
                      {[c.before?.key, c.after?.key]
                        .filter((k, i, all) => k && all.indexOf(k) === i)
                        .map((k) => `{{> ${k}}}`)
                        .join(" → ")}
                      )
                    </span>
                  </div>
                  {c.lines.length > 0 ? <Lines lines={c.lines} side="both" /> : <p className="px-3 py-1.5 text-xs text-fg-muted">Same text.</p>}
                </div>
              ))}
            </div>
          </Card>
        ) : null}

        <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
          <Card className="p-4" data-testid="diff-variables">
            <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
              Variables {diff.variables.changed ? <Badge tone="warning">changed</Badge> : <Badge>unchanged</Badge>}
            </h2>
            {diff.variables.changes.length === 0 ? <p className="text-xs text-fg-muted">Same contract.</p> : null}
            <ul className="space-y-1 text-xs">
              {diff.variables.changes.map((c) => (
                <li key={c.name}>
                  <Badge tone={c.type === "added" ? "success" : c.type === "removed" ? "danger" : "warning"}>{c.type}</Badge>{" "}
                  <span className="font-mono">{c.name}</span>
                  {c.type === "changed" ? (
                    <span className="text-fg-muted"> {c.fields.map((f) => `${f.field}: ${show(f.before)} → ${show(f.after)}`).join("; ")}</span>
                  ) : (
                    <span className="text-fg-muted"> {show(c.type === "added" ? c.after : c.before)}</span>
                  )}
                </li>
              ))}
            </ul>
          </Card>
          <Card className="p-4" data-testid="diff-config">
            <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
              Model config, policy, output{" "}
              {diff.modelConfig.changed || diff.policy.changed || diff.output.changed || diff.routing.changed ? (
                <Badge tone="warning">changed</Badge>
              ) : (
                <Badge>unchanged</Badge>
              )}
            </h2>
            <table className="w-full text-xs">
              <tbody>
                {[
                  ...diff.modelConfig.fields.map((f) => ({ ...f, field: f.field })),
                  ...diff.policy.fields.map((f) => ({ ...f, field: `policy.${f.field}` })),
                  ...diff.output.fields.map((f) => ({ ...f, field: `output.${f.field}` })),
                  ...diff.routing.changes.map(routingRow),
                ].map((f) => (
                  <tr key={f.field} className="border-t border-border">
                    <td className="py-1 pr-2 font-mono">{f.field}</td>
                    <td className="py-1 pr-2 font-mono text-danger">{show(f.before)}</td>
                    <td className="py-1 font-mono text-success">{show(f.after)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {!diff.modelConfig.changed && !diff.policy.changed && !diff.output.changed && !diff.routing.changed ? (
              <p className="text-xs text-fg-muted">Same model ({cb.modelConfig.model}), settings and output format.</p>
            ) : null}
            {diff.output.lines.length > 0 ? (
              <div className="mt-2 rounded-md border border-border">
                <Lines lines={diff.output.lines} side="both" />
              </div>
            ) : null}
          </Card>
          <Card className="grid grid-cols-1 gap-4 p-4 lg:col-span-2 lg:grid-cols-2" data-testid="diff-comments">
            {[
              { row: fromRow, name: fromLabel },
              { row: toRow, name: toLabel },
            ]
              .filter((side, i, sides) => i === 0 || side.row.id !== sides[0]?.row.id)
              .map((side) => (
                <VersionComments
                  key={side.row.id}
                  project={project}
                  promptId={prompt.id}
                  versionId={side.row.id}
                  comments={comments.filter((c) => c.versionId === side.row.id)}
                  canComment={canComment}
                  title={`Comments on ${side.name === "draft" ? "the draft" : `v${side.name}`}`}
                />
              ))}
          </Card>
          <Card className="p-4 lg:col-span-2" data-testid="diff-acknowledgements">
            <h2 className="mb-1 flex items-center gap-2 text-sm font-semibold">
              Acknowledged variables before a cache breakpoint {acks.changed ? <Badge tone="warning">changed</Badge> : <Badge>unchanged</Badge>}
            </h2>
            <p className="mb-2 text-xxs text-fg-muted">
              Review decisions stored with each version: they change no request, so they are outside the content hash and the bump.
            </p>
            {ackRows.length === 0 ? <p className="text-xs text-fg-muted">None on either side.</p> : null}
            <ul className="space-y-1 text-xs">
              {ackRows.map((r) => (
                <li key={`${r.type}-${r.location}`} data-testid="diff-ack" data-change={r.type}>
                  <Badge tone={r.type === "added" ? "success" : r.type === "removed" ? "danger" : "neutral"}>{r.type}</Badge>{" "}
                  <span className="font-medium">{describeLocation(r.location)}</span>{" "}
                  <span className="text-fg-muted">{(variablesAt.get(r.location) ?? []).map((v) => `{{${v}}}`).join(", ")}</span>
                </li>
              ))}
            </ul>
          </Card>
        </div>
      </div>
    </>
  );
}

const ruleText = (rule: RoutingRule): string => `${rule.when.map(describeCondition).join(" and ") || "every call"} → ${rule.model}`;

/** A routing change as a row of the config table (`routing.<rule>`, before, after). */
function routingRow(c: RoutingChange): { field: string; before: unknown; after: unknown } {
  const field = `routing.${c.name}`;
  switch (c.type) {
    case "added":
      return { field, before: undefined, after: `${c.index + 1}. ${ruleText(c.after)}` };
    case "removed":
      return { field, before: `${c.index + 1}. ${ruleText(c.before)}`, after: undefined };
    case "changed":
      return { field, before: ruleText(c.before), after: ruleText(c.after) };
    case "moved":
      return { field, before: `position ${c.from + 1}`, after: `position ${c.to + 1}` };
  }
}
