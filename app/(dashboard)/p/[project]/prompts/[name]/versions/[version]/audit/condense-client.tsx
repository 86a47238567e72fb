"use client";

import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { withSignIn } from "@/lib/http/signed-out";
import type { CondenseResult } from "@/lib/length-audit/condense";
import { formatMicros } from "@/lib/models/catalog";
import { diffText } from "@/lib/prompts/diff";
import { promptPath } from "@/lib/prompts/paths";
import { Button, ButtonLink, Card, FormError } from "@/components/ui";
import { DiffLines } from "@/components/prompts/diff-lines";

type CondenseInput = { promptId: string; versionId: string; location: string };

/**
 * "Condense": one button per block; Claude proposes a shorter block, which becomes the prompt's
 * draft. Shows the block's diff, the token saving and the next steps (full diff, evaluate the
 * draft against a dataset, edit it) before anyone publishes.
 */
export function CondenseBlocks({
  project,
  promptId,
  promptName,
  versionId,
  version,
  blocks,
  canEdit,
  blockedByDraft,
  estimated,
  condense,
}: {
  project: string;
  promptId: string;
  promptName: string;
  versionId: string;
  version: string;
  blocks: { location: string; label: string; tokens: number; preview: string }[];
  canEdit: boolean;
  blockedByDraft: boolean;
  estimated: boolean;
  condense: ServerAction<InProject<CondenseInput>, CondenseResult>;
}) {
  const router = useRouter();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<CondenseResult | null>(null);
  const approx = estimated ? "~" : "";

  const run = async (location: string) => {
    setBusy(location);
    setError(null);
    const answer = await withSignIn(condense)({ project, promptId, versionId, location });
    setBusy(null);
    if (!answer.ok) {
      setError(answer.message);
      return;
    }
    setResult(answer.data);
    router.refresh();
  };

  const from = result?.fromVersion ?? version;
  const evalHref = `/p/${project}/evals/new?${new URLSearchParams({
    prompt: promptName,
    versions: from === "draft" ? "draft" : `${from},draft`,
    ...(from === "draft" ? {} : { baseline: from }),
  }).toString()}`;

  return (
    <Card className="p-4" data-testid="audit-condense">
      <h2 className="mb-1 text-sm font-semibold">Condense a block</h2>
      <p className="mb-2 text-xs text-fg-muted">
        Claude proposes a shorter version of the block, keeping every instruction and template tag; it becomes the prompt&apos;s draft, to diff and evaluate
        against a dataset before anyone publishes it. The call is logged and priced like any other.
      </p>
      {!canEdit ? <p className="text-xs text-fg-muted">Condensing needs the editor role.</p> : null}
      {canEdit && blockedByDraft && !result ? (
        <p className="mb-2 rounded-md border border-warning/40 bg-warning/10 px-3 py-2 text-xs" data-testid="condense-draft-exists">
          This prompt already has a draft. Condense the draft&apos;s blocks from its own audit (
          <Link className="text-accent hover:underline" href={promptPath(project, promptName, "versions/draft/audit")}>
            draft audit
          </Link>
          ), or discard the draft first.
        </p>
      ) : null}
      <FormError message={error} testId="condense-error" />
      <ul className="mt-2 divide-y divide-border rounded-md border border-border">
        {blocks.map((b) => (
          <li key={b.location} className="flex items-center gap-3 px-3 py-2" data-testid="condense-block" data-location={b.location}>
            <div className="min-w-0 flex-1">
              <div className="text-xs font-medium">
                {b.label}{" "}
                <span className="font-mono font-normal text-fg-muted">
                  {approx}
                  {b.tokens.toLocaleString("en-US")} tokens
                </span>
              </div>
              <div className="truncate font-mono text-[11px] text-fg-muted">{b.preview}</div>
            </div>
            {canEdit ? (
              <Button size="sm" disabled={busy !== null || (blockedByDraft && !result)} onClick={() => void run(b.location)} data-testid="condense-button">
                {busy === b.location ? "Condensing…" : "Condense"}
              </Button>
            ) : null}
          </li>
        ))}
      </ul>

      {result ? (
        <div className="mt-3 rounded-md border border-success/40 bg-success/5 p-3" data-testid="condense-result">
          <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
            <div className="text-sm font-medium">
              {result.label}: {approx}
              {result.tokensBefore.toLocaleString("en-US")} → {approx}
              {result.tokensAfter.toLocaleString("en-US")} tokens, saved as the draft
            </div>
            <div className="font-mono text-sm text-success" data-testid="condense-saving">
              {approx}
              {(result.tokensBefore - result.tokensAfter).toLocaleString("en-US")} tokens · {formatMicros(result.savingMicrosPer1k)} / 1k calls
            </div>
          </div>
          <div className="max-h-80 overflow-auto rounded-md border border-border bg-surface" data-testid="condense-diff">
            <DiffLines lines={diffText(result.before, result.after)} side="both" />
          </div>
          <p className="mt-1 text-xxs text-fg-muted">The condense call cost {formatMicros(result.costMicros)}.</p>
          <div className="mt-2 flex flex-wrap gap-2">
            {from === "draft" ? null : (
              <ButtonLink href={`${promptPath(project, promptName, "diff")}?from=${from}&to=draft`} data-testid="condense-open-diff">
                Diff with v{from}
              </ButtonLink>
            )}
            <ButtonLink href={evalHref} data-testid="condense-evaluate">
              Evaluate the draft against a dataset
            </ButtonLink>
            <ButtonLink href={promptPath(project, promptName, "edit")}>Edit draft</ButtonLink>
          </div>
        </div>
      ) : null}
    </Card>
  );
}
