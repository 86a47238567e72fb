"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import Link from "next/link";
import { Badge, Button, FormError } from "@/components/ui";
import { followSignedOut } from "@/lib/http/signed-out";
import { promptPath } from "@/lib/prompts/paths";
import type { SnippetDependent } from "@/lib/prompts/snippets";
import { openDependentDraftsAction } from "./actions";

const OUTCOME: Record<string, string> = {
  opened: "draft opened",
  has_draft: "already has a draft: not touched",
  up_to_date: "already pins it",
  archived: "archived: skipped",
};

/**
 * The snippet page's "Used by" list: each prompt that includes the snippet, which of its
 * published versions pinned which snippet version, and its draft's includes. With `latest`
 * (the snippet's newest published version) and dependents pinning an older one, it offers to
 * open their drafts re-pinned to it.
 */
export function SnippetDependents({
  project,
  snippetPromptId,
  dependents,
  latest,
  canEdit,
}: {
  project: string;
  snippetPromptId: string;
  dependents: SnippetDependent[];
  latest: { id: string; version: string } | null;
  canEdit: boolean;
}) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [results, setResults] = useState<{ prompt: string; outcome: string; repinned: number }[] | null>(null);
  const stale = latest ? dependents.filter((d) => d.pins[0] && d.pins[0].snippetVersion !== latest.version) : [];

  const open = async () => {
    if (!latest) return;
    setBusy(true);
    setError(null);
    const result = await openDependentDraftsAction({ project, snippetPromptId, versionId: latest.id });
    setBusy(false);
    followSignedOut(result);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    setResults(result.data.results);
    router.refresh();
  };

  if (dependents.length === 0) {
    return (
      <p className="px-4 py-3 text-xs text-fg-muted" data-testid="snippet-no-dependents">
        No prompt includes this snippet yet.
      </p>
    );
  }
  return (
    <div data-testid="snippet-dependents">
      {canEdit && latest && stale.length > 0 ? (
        <div className="flex flex-wrap items-center gap-2 border-b border-border bg-accent/5 px-4 py-2 text-sm" data-testid="repin-offer">
          <span>
            {stale.length} {stale.length === 1 ? "prompt pins" : "prompts pin"} an older version than v{latest.version}.
          </span>
          <Button size="sm" variant="primary" disabled={busy} onClick={() => void open()} data-testid="open-dependent-drafts">
            {busy ? "Opening…" : `Open drafts re-pinned to v${latest.version}`}
          </Button>
        </div>
      ) : null}
      {error ? (
        <div className="px-4 py-2">
          <FormError message={error} />
        </div>
      ) : null}
      {results ? (
        <ul className="border-b border-border px-4 py-2 text-xs" data-testid="repin-results">
          {results.map((r) => (
            <li key={r.prompt}>
              <span className="font-mono">{r.prompt}</span>: {OUTCOME[r.outcome] ?? r.outcome}
              {r.outcome === "opened" && r.repinned > 0 ? ` (${r.repinned} exact-version include${r.repinned === 1 ? "" : "s"} re-pinned)` : ""}
            </li>
          ))}
        </ul>
      ) : null}
      <table className="w-full text-sm">
        <thead>
          <tr className="border-b border-border bg-muted/50 text-left text-xs text-fg-muted">
            <th className="px-3 py-2 font-medium">Prompt</th>
            <th className="px-3 py-2 font-medium">Pinned (prompt version → snippet version)</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {dependents.map((d) => (
            <tr key={d.prompt} className="align-top" data-testid="snippet-dependent" data-prompt={d.prompt}>
              <td className="px-3 py-2">
                <Link href={promptPath(project, d.prompt)} className="font-mono text-[13px] hover:underline">
                  {d.prompt}
                </Link>
                {d.kind === "SNIPPET" ? (
                  <Badge className="ml-1.5" tone="accent">
                    snippet
                  </Badge>
                ) : null}
              </td>
              <td className="px-3 py-2 text-xs">
                <ul className="space-y-0.5">
                  {d.pins.map((p) => (
                    <li key={`${p.versionId}-${p.key}`} data-testid="snippet-pin">
                      <span className="font-mono">v{p.version}</span> → <span className="font-mono">v{p.snippetVersion}</span>{" "}
                      <span className="text-fg-muted">
                        via <code>{`{{> ${p.key}}}`}</code>
                      </span>
                      {p.labels.length > 0 ? <span className="text-fg-muted"> · {p.labels.join(", ")}</span> : null}
                    </li>
                  ))}
                  {d.draftIncludes.length > 0 ? (
                    <li className="text-fg-muted" data-testid="snippet-draft-include">
                      draft includes {d.draftIncludes.map((k) => `{{> ${k}}}`).join(", ")}
                    </li>
                  ) : null}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
