"use client";

import { useState, useTransition } from "react";
import { Badge, Button, Card, FormError } from "@/components/ui";
import type { ContractCheck } from "@/lib/datasets/contract";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { withSignIn } from "@/lib/http/signed-out";

export type CheckContractAction = ServerAction<InProject<{ datasetId: string; version: number; prompt: string; promptVersion?: string }>, ContractCheck>;

/**
 * Checks the shown version's items against a chosen prompt's variable contract and lists every
 * problem. Prompts the items fit (`fitting`, as the datasets list computes it) come first and are
 * chosen at first, so the panel opens on a prompt the dataset is for.
 */
export function ContractPanel({
  project,
  datasetId,
  version,
  prompts,
  fitting = [],
  check,
}: {
  project: string;
  datasetId: string;
  version: number;
  prompts: string[];
  fitting?: string[];
  check: CheckContractAction;
}) {
  const fits = new Set(fitting.filter((p) => prompts.includes(p)));
  const ordered = [...prompts.filter((p) => fits.has(p)), ...prompts.filter((p) => !fits.has(p))];
  const [prompt, setPrompt] = useState(ordered[0] ?? "");
  const [promptVersion, setPromptVersion] = useState("");
  const [result, setResult] = useState<ContractCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  function run() {
    setError(null);
    startTransition(async () => {
      const res = await withSignIn(check)({ project, datasetId, version, prompt, ...(promptVersion.trim() ? { promptVersion: promptVersion.trim() } : {}) });
      if (res.ok) setResult(res.data);
      else {
        setResult(null);
        setError(res.message);
      }
    });
  }

  return (
    <Card className="space-y-3 self-start p-4" data-testid="contract-panel">
      <div>
        <h2 className="text-sm font-semibold">Contract check</h2>
        <p className="text-xs text-fg-muted">Do the items of version {version} carry the variables a prompt needs, with the right types?</p>
      </div>
      {prompts.length === 0 ? (
        <p className="text-xs text-fg-muted">No prompts in this project yet.</p>
      ) : (
        <div className="space-y-2">
          <label className="block text-xs font-medium">
            Prompt
            <select
              data-testid="contract-prompt"
              className="mt-1 block h-8 w-full rounded-md border border-border bg-surface px-2 text-sm"
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
            >
              {ordered.map((p) => (
                <option key={p} value={p}>
                  {fits.has(p) ? `${p} (items fit)` : p}
                </option>
              ))}
            </select>
          </label>
          <label className="block text-xs font-medium">
            Version <span className="font-normal text-fg-muted">(empty: production, else latest; or &quot;draft&quot;)</span>
            <input
              className="mt-1 block h-8 w-full rounded-md border border-border bg-surface px-2 text-sm"
              value={promptVersion}
              placeholder="production"
              onChange={(e) => setPromptVersion(e.target.value)}
            />
          </label>
          <Button size="sm" onClick={run} disabled={pending || !prompt || version === 0} data-testid="contract-check">
            {pending ? "Checking…" : "Check items"}
          </Button>
        </div>
      )}
      <FormError message={error} />
      {result ? (
        <div className="space-y-2 text-xs" data-testid="contract-result">
          <p>
            {result.contract.promptName} {result.contract.version} <span className="text-fg-muted">({result.contract.source})</span>:{" "}
            {result.problems.length === 0 ? (
              <Badge tone="success">all {result.checked.toLocaleString("en-US")} items fit</Badge>
            ) : (
              <Badge tone="danger">
                {(result.checked - result.fitting).toLocaleString("en-US")} of {result.checked.toLocaleString("en-US")} items do not fit
              </Badge>
            )}
          </p>
          {result.problems.length > 0 ? (
            <ul className="max-h-80 space-y-1 overflow-y-auto" data-testid="contract-problems">
              {result.problems.map((p, i) => (
                <li key={i} className="rounded border border-border px-2 py-1">
                  <span className="font-mono">{p.key}</span> · <span className="font-mono">{p.variable}</span>: {p.message}
                </li>
              ))}
              {result.truncated ? <li className="text-fg-muted">… more problems not shown</li> : null}
            </ul>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}
