import { orNotFound } from "@/app/(dashboard)/p/[project]/or-not-found";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { requirePageRole } from "@/lib/auth/session";
import { compareLabelNames } from "@/lib/prompts/labels";
import { getPromptByName, getVersionById, versionLabel } from "@/lib/prompts/queries";
import { decodePromptName, promptPath } from "@/lib/prompts/paths";
import { Badge } from "@/components/ui";
import { formatRelative, formatUtc } from "@/components/format";
import { LabelBadge } from "@/components/prompts/label-badge";
import { VersionTabs } from "@/components/prompts/version-tabs";

export type VersionParams = { project: string; name: string; version: string };

/** The prompt and version a version page shows (404 for an unknown one), read as VIEWER. */
export async function loadVersionPage(params: Promise<VersionParams>) {
  const { project: slug, name: rawName, version: rawVersion } = await params;
  const name = decodePromptName(rawName);
  const wanted = decodeURIComponent(rawVersion).replace(/^v/, "");
  const access = await requirePageRole(slug, "VIEWER");
  const prompt = await orNotFound(getPromptByName(access.project.id, name));
  const index = prompt.versions.findIndex((v) => versionLabel(v) === wanted);
  const row = prompt.versions[index];
  if (!row) notFound();
  const version = await getVersionById(prompt.id, row.id);
  return { access, project: access.project.slug, prompt, index, row, version, label: versionLabel(row), isDraft: row.status === "DRAFT" };
}

type Loaded = Awaited<ReturnType<typeof loadVersionPage>>;

/** Breadcrumbs, title (status, labels, who and when) and the version's tabs; `actions` on the right. */
export function VersionHeading({ loaded, active, actions }: { loaded: Loaded; active: "content" | "audit"; actions?: ReactNode }) {
  const { project, prompt, row, label, isDraft } = loaded;
  const shown = isDraft ? "draft" : `v${label}`;
  const labels = prompt.labels.filter((l) => l.versionId === row.id).sort((a, b) => compareLabelNames(a.name, b.name));
  const at = row.publishedAt ?? row.updatedAt;
  return (
    <>
      <div className="mb-1 text-xs text-fg-muted">
        <Link href={`/p/${project}/prompts`} className="hover:text-fg">
          Prompts
        </Link>{" "}
        /{" "}
        <Link href={promptPath(project, prompt.name)} className="font-mono hover:text-fg">
          {prompt.name}
        </Link>{" "}
        / {shown}
      </div>
      <div className="mb-3 flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2 text-lg font-semibold" data-testid="version-title">
            <span className="font-mono">{prompt.name}</span>
            <span className="font-mono text-fg-muted">{shown}</span>
            {isDraft ? <Badge tone="warning">draft</Badge> : <Badge tone="success">published</Badge>}
            {labels.map((l) => (
              <LabelBadge key={l.name} name={l.name} protected={l.protected} />
            ))}
          </h1>
          <p className="mt-0.5 text-xs text-fg-muted">
            {isDraft ? "edited" : "published"} <span title={formatUtc(at)}>{formatRelative(at, new Date())}</span> by{" "}
            {row.author?.name ?? row.author?.email ?? "API"}
            {row.changelog ? <> · {row.changelog}</> : null}
          </p>
        </div>
        {actions ? <div className="flex shrink-0 flex-wrap items-center gap-2">{actions}</div> : null}
      </div>
      <VersionTabs base={promptPath(project, prompt.name, `versions/${label}`)} active={active} />
    </>
  );
}
