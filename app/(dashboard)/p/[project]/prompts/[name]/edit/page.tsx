import { orNotFound } from "@/app/(dashboard)/p/[project]/or-not-found";
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { tokenCountingAvailable } from "@/lib/claude/count-tokens";
import { listModelSpecs } from "@/lib/models/queries";
import { starterContent } from "@/lib/prompts/mutations";
import { getDraft, getPromptByName, getVersionById, versionLabel } from "@/lib/prompts/queries";
import { readVersionContent } from "@/lib/prompts/schemas";
import { resolveVersionIncludes } from "@/lib/prompts/snippets";
import { EditorClient } from "@/components/editor/editor-client";
import { countTokensAction, resolveIncludesAction, routingWhatIfAction, saveDraftAction } from "./actions";
import { decodePromptName, promptPath } from "@/lib/prompts/paths";

type Params = { project: string; name: string };

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const { name } = await params;
  return { title: `Edit ${decodePromptName(name)}` };
}

// /p/:project/prompts/:name/edit - the draft editor (EDITOR+). Without a draft, the editor starts
// from the latest published version (or the starter) and the first save creates the draft.
export default async function EditPromptPage({ params }: { params: Promise<Params> }) {
  const { project: slug, name: rawName } = await params;
  const name = decodePromptName(rawName);
  const access = await requirePageRole(slug, "EDITOR");
  const prompt = await orNotFound(getPromptByName(access.project.id, name));
  // Archived prompts are read-only until restored: their page says so and offers Restore.
  if (prompt.archivedAt) redirect(promptPath(access.project.slug, prompt.name));
  const [draft, models] = await Promise.all([getDraft(prompt.id), listModelSpecs()]);
  const latest = prompt.versions.find((v) => v.status === "PUBLISHED");
  const base = draft ?? (latest ? await getVersionById(prompt.id, latest.id) : null);
  const content = base ? readVersionContent(base) : starterContent();
  const project = access.project.slug;
  // Includes resolve as they would if the draft were published now (the preview shows that text).
  const includes = await resolveVersionIncludes(access.project.id, prompt.name, content);

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
        / edit
      </div>
      <EditorClient
        key={draft ? `${draft.id}-${draft.lockVersion}` : "new"}
        project={project}
        promptId={prompt.id}
        promptName={prompt.name}
        initialContent={content}
        initialAcknowledged={base?.cacheAcknowledgements ?? []}
        lockVersion={draft ? draft.lockVersion : -1}
        basedOn={draft ? null : latest ? versionLabel(latest) : "starter"}
        latestPublished={latest ? versionLabel(latest) : null}
        labels={prompt.labels.map((l) => ({ name: l.name, protected: l.protected }))}
        isAdmin={hasRole(access.role, "ADMIN")}
        models={models}
        tokenCounting={tokenCountingAvailable()}
        saveDraft={saveDraftAction}
        countTokens={countTokensAction}
        routingWhatIf={routingWhatIfAction}
        includes={includes}
        resolveIncludes={resolveIncludesAction}
      />
    </>
  );
}
