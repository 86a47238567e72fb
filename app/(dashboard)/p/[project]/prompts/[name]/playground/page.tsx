import { orNotFound } from "@/app/(dashboard)/p/[project]/or-not-found";
import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { isSimulated } from "@/lib/claude/client";
import { getPlaygroundPrompt, type PlaygroundPrompt } from "@/lib/playground/queries";
import { LockIcon } from "@/components/icons";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui";
import { PlaygroundClient } from "@/components/playground/playground-client";
import { SimulatedBadge } from "@/components/playground/simulated-badge";
import { decodePromptName, promptPath } from "@/lib/prompts/paths";

export const metadata: Metadata = { title: "Playground" };

// /p/:project/prompts/:name/playground[?version=draft|x.y.z] - run any version with variable values, streamed; compare two versions.
export default async function PlaygroundPage({
  params,
  searchParams,
}: {
  params: Promise<{ project: string; name: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { project: slug, name: rawName } = await params;
  // ?version=draft|1.2.0 opens that version (the editor's "Open in playground" sends the draft); otherwise the label's default.
  const { version: wanted } = await searchParams;
  const name = decodePromptName(rawName);
  const access = await requirePageRole(slug, "VIEWER");
  const prompt: PlaygroundPrompt = await orNotFound(getPlaygroundPrompt(access.project.id, name));
  const canRun = hasRole(access.role, "EDITOR");
  const simulated = isSimulated();
  const base = `/p/${access.project.slug}/prompts`;

  return (
    <>
      <nav className="mb-2 text-xs text-fg-muted" aria-label="Breadcrumb">
        <Link href={base} className="hover:text-fg">
          Prompts
        </Link>
        <span className="mx-1.5">/</span>
        <Link href={promptPath(access.project.slug, prompt.name)} className="font-mono hover:text-fg">
          {prompt.name}
        </Link>
        <span className="mx-1.5">/</span>
        <span className="text-fg">Playground</span>
      </nav>
      <PageHeader
        title={`Playground: ${prompt.name}`}
        description="Run any version with your own variable values. Every run calls Claude, is streamed here and is logged with source “playground”."
        actions={simulated ? <SimulatedBadge size="lg" /> : <Badge tone="success">Live Claude API</Badge>}
      />
      {simulated ? (
        <p className="mb-4 rounded-md border border-warning/30 bg-warning/10 px-3 py-2 text-xs text-warning" data-testid="simulated-notice">
          No ANTHROPIC_API_KEY is set: answers come from Promptdeck’s built-in Claude simulator (deterministic text, realistic token counts, prompt caching and
          prices). They are not Claude’s answers.
        </p>
      ) : null}
      {prompt.versions.length === 0 ? (
        <EmptyState testId="playground-empty" title="Nothing to run yet">
          This prompt has no versions. Write a draft first.
        </EmptyState>
      ) : canRun ? (
        <PlaygroundClient
          runUrl={promptPath(access.project.slug, prompt.name, "playground/run")}
          versions={prompt.versions}
          defaultVersionId={prompt.versions.find((v) => v.label === wanted)?.id ?? prompt.defaultVersionId ?? prompt.versions[0]!.id}
          simulated={simulated}
          callsPath={`/p/${access.project.slug}/calls`}
        />
      ) : (
        <Card className="flex items-start gap-3 p-5" data-testid="playground-readonly">
          <div className="flex size-9 shrink-0 items-center justify-center rounded-full bg-muted text-fg-muted">
            <LockIcon />
          </div>
          <div className="space-y-1.5 text-sm">
            <h2 className="font-semibold">Running prompts needs the editor role</h2>
            <p className="text-fg-muted">
              A playground run sends the prompt to Claude, costs tokens and is recorded in the call log, so it is open to editors and admins of this project.
              You are a viewer: ask an admin of this project for the editor role if you need to try versions yourself.
            </p>
            <p className="text-fg-muted">
              Versions you could run here:{" "}
              {prompt.versions.map((v, i) => (
                <span key={v.id}>
                  {i > 0 ? ", " : null}
                  <span className="font-mono text-fg">{v.label === "draft" ? "draft" : `v${v.label}`}</span>
                  {v.labels.length > 0 ? ` (${v.labels.join(", ")})` : null}
                </span>
              ))}
              .
            </p>
          </div>
        </Card>
      )}
    </>
  );
}
