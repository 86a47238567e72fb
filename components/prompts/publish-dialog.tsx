"use client";

import { useCallback, useState } from "react";
import { useRouter } from "next/navigation";
import { Badge, Button, FormError, cx } from "@/components/ui";
import { publishButtonLabel, requestedVersionProblem, type PublishPreview } from "@/lib/prompts/publish-preview";
import { Dialog } from "./dialog";
import { promptPath } from "@/lib/prompts/paths";
import { usePromptActions } from "./prompt-actions";
import { PublishEvalPanel } from "./publish-eval-panel";
import type { PublishEvalStatus } from "@/lib/evals/latest";
import { describeLocation } from "@/lib/prompts/locations";

const BUMPS = ["patch", "minor", "major"] as const;
type Bump = (typeof BUMPS)[number];

/**
 * "Publish draft" button + dialog: shows previewPublish (proposed bump and reasons, blocking
 * errors, warnings with acknowledgement for variables before a breakpoint), takes the changelog,
 * an optional raised bump or explicit version and labels to move, then publishes and goes to the
 * prompt page. `beforeOpen` lets the editor save first (return false to stay closed).
 */
export function PublishDialog({
  project,
  promptId,
  promptName,
  labels,
  isAdmin,
  beforeOpen,
  disabled,
}: {
  project: string;
  promptId: string;
  promptName: string;
  labels: { name: string; protected: boolean }[];
  isAdmin: boolean;
  beforeOpen?: () => Promise<boolean>;
  disabled?: boolean;
}) {
  const router = useRouter();
  const { previewPublish, publishDraft, publishEvalStatus } = usePromptActions();
  const [evalStatus, setEvalStatus] = useState<PublishEvalStatus | null>(null);
  const [open, setOpen] = useState(false);
  const [preview, setPreview] = useState<PublishPreview | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  // null until the preview says which acknowledgements the draft carries.
  const [acknowledged, setAcknowledged] = useState<string[] | null>(null);
  const [changelog, setChangelog] = useState("");
  const [bump, setBump] = useState<Bump | "">("");
  const [version, setVersion] = useState("");
  const [moveLabels, setMoveLabels] = useState<string[]>([]);
  const [error, setError] = useState<{ message: string; issues?: { path: string; message: string }[] } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (ack: string[] | undefined) => {
      const result = await previewPublish({ project, promptId, acknowledged: ack });
      if (result.ok) {
        setPreview(result.data);
        setAcknowledged(result.data.acknowledged);
        setLoadError(null);
      } else setLoadError(result.message);
    },
    [project, promptId, previewPublish],
  );

  const openDialog = async () => {
    if (beforeOpen && !(await beforeOpen())) return;
    setError(null);
    setPreview(null);
    setLoadError(null);
    setOpen(true);
    // Start from what the draft stores (acknowledged in the editor or on the version it came from).
    setAcknowledged(null);
    setEvalStatus(null);
    // The eval panel loads beside the preview; a failure only hides the panel (the server still enforces the gate).
    const evalLoad = publishEvalStatus ? publishEvalStatus({ project, promptId }).then((r) => setEvalStatus(r.ok ? r.data : null)) : Promise.resolve();
    await Promise.all([load(undefined), evalLoad]);
  };

  const toggleAck = (location: string, on: boolean) => {
    const current = acknowledged ?? [];
    const next = on ? [...current, location] : current.filter((x) => x !== location);
    setAcknowledged(next);
    void load(next);
  };

  const publish = async () => {
    setBusy(true);
    setError(null);
    const result = await publishDraft({
      project,
      promptId,
      changelog,
      bump: bump || undefined,
      version: version || undefined,
      acknowledged: acknowledged ?? undefined,
      labels: moveLabels,
    });
    setBusy(false);
    if (!result.ok) {
      setError({ message: result.message, issues: result.issues });
      return;
    }
    setOpen(false);
    router.push(`${promptPath(project, promptName)}?published=${encodeURIComponent(result.data.version)}`);
    router.refresh();
  };

  // The project's gated labels are offered too: a release label the prompt may not carry yet.
  const gatedChoices = (evalStatus?.gate?.decisions ?? []).map((d) => ({ name: d.label, protected: d.label === "production" }));
  const labelChoices = [
    ...new Map([{ name: "production", protected: true }, { name: "staging", protected: false }, ...gatedChoices, ...labels].map((l) => [l.name, l])).values(),
  ];
  const allowedBumps = preview ? BUMPS.slice(BUMPS.indexOf(preview.bump)) : [];
  // Ticked labels the release gate would refuse: publishing with them fails, so say so before.
  const gateRefusals = (evalStatus?.gate?.decisions ?? []).filter((d) => !d.allowed && moveLabels.includes(d.label));
  const gated = new Set((evalStatus?.gate?.decisions ?? []).map((d) => d.label));
  // A typed version that cannot be published (e.g. "vbanana") disables the button and says why.
  const versionProblem = preview ? requestedVersionProblem(version, preview) : null;
  const blocked = !preview || preview.errors.length > 0 || preview.identical || gateRefusals.length > 0 || versionProblem !== null;

  return (
    <>
      <Button variant="primary" onClick={() => void openDialog()} disabled={disabled} data-testid="open-publish">
        Publish…
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Publish ${promptName}`} testId="publish-dialog" wide>
        {loadError ? <FormError message={loadError} testId="publish-load-error" /> : null}
        {!preview && !loadError ? <p className="text-sm text-fg-muted">Checking the draft…</p> : null}
        {preview ? (
          <div className="space-y-4 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <span className="text-fg-muted">
                {preview.latest ? (
                  <>
                    from <span className="font-mono">v{preview.latest}</span>
                  </>
                ) : (
                  "first version"
                )}
              </span>
              <span aria-hidden>→</span>
              <span className="font-mono text-base font-semibold" data-testid="publish-proposed-version">
                v{preview.proposedVersion}
              </span>
              <Badge tone={preview.bump === "major" ? "danger" : preview.bump === "minor" ? "accent" : "neutral"} data-testid="publish-bump">
                {preview.bump}
              </Badge>
            </div>
            <div>
              <h3 className="mb-1 text-xs font-medium text-fg-muted">Why this bump</h3>
              <ul className="list-disc space-y-0.5 pl-5 text-xs" data-testid="publish-reasons">
                {preview.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </div>
            {preview.identical ? (
              <FormError message={`The draft is identical to v${preview.latest ?? ""}: nothing to publish.`} testId="publish-identical" />
            ) : null}
            {preview.errors.length > 0 ? (
              <div className="rounded-md border border-danger/30 bg-danger/10 p-3" data-testid="publish-errors">
                <h3 className="mb-1 text-xs font-semibold text-danger">Fix these before publishing</h3>
                <ul className="space-y-0.5 text-xs text-danger">
                  {preview.errors.map((e, i) => (
                    <li key={`${e.path}-${i}`}>
                      <span title={e.path}>{describeLocation(e.path)}</span>: {e.message}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            {preview.variableBreakpoints.length > 0 ? (
              <fieldset className="rounded-md border border-warning/30 bg-warning/10 p-3">
                <legend className="px-1 text-xs font-semibold text-warning">Variables before a cache breakpoint</legend>
                <p className="mb-2 text-xs text-fg-muted">
                  The cached prefix changes whenever these variables do. Acknowledge only if that is intended (e.g. one cache entry per tenant).
                </p>
                {preview.variableBreakpoints.map((b) => (
                  <label key={b.location} className="flex items-center gap-2 text-xs">
                    <input
                      type="checkbox"
                      checked={acknowledged?.includes(b.location) ?? false}
                      onChange={(e) => toggleAck(b.location, e.target.checked)}
                      data-testid={`ack-${b.location}`}
                    />
                    <span title={b.location}>{describeLocation(b.location)}</span>
                    <span className="text-fg-muted">{b.variables.map((v) => `{{${v}}}`).join(", ")}</span>
                  </label>
                ))}
              </fieldset>
            ) : null}
            {preview.warnings.length > 0 ? (
              <div data-testid="publish-warnings">
                <h3 className="mb-1 text-xs font-medium text-warning">Warnings (publishing is allowed)</h3>
                <ul className="space-y-0.5 text-xs text-fg-muted">
                  {preview.warnings.map((w, i) => (
                    <li key={`${w.path}-${i}`}>
                      <span title={w.path}>{describeLocation(w.path)}</span>: {w.message}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            <div className="space-y-1">
              <label htmlFor="publish-changelog" className="block text-xs font-medium">
                Changelog <span className="text-danger">*</span>
              </label>
              <textarea
                id="publish-changelog"
                rows={3}
                value={changelog}
                onChange={(e) => setChangelog(e.target.value)}
                placeholder="What changed and why"
                data-testid="publish-changelog"
                className="block w-full rounded-md border border-border bg-surface px-2.5 py-2 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none"
              />
            </div>
            <div className="grid grid-cols-2 gap-3">
              <div className="space-y-1">
                <label htmlFor="publish-bump" className="block text-xs font-medium">
                  Bump (raise only)
                </label>
                <select
                  id="publish-bump"
                  value={bump}
                  onChange={(e) => setBump(e.target.value as Bump | "")}
                  className="h-8 w-full rounded-md border border-border bg-surface px-2 text-sm"
                >
                  <option value="">proposed ({preview.bump})</option>
                  {allowedBumps.map((b) => (
                    <option key={b} value={b}>
                      {b}
                    </option>
                  ))}
                </select>
              </div>
              <div className="space-y-1">
                <label htmlFor="publish-version" className="block text-xs font-medium">
                  Or exact version
                </label>
                <input
                  id="publish-version"
                  value={version}
                  onChange={(e) => setVersion(e.target.value)}
                  placeholder={preview.proposedVersion}
                  aria-invalid={versionProblem !== null}
                  aria-describedby={versionProblem ? "publish-version-error" : undefined}
                  className={cx("h-8 w-full rounded-md border bg-surface px-2 font-mono text-sm", versionProblem ? "border-danger" : "border-border")}
                />
                {versionProblem ? (
                  <p id="publish-version-error" className="text-xs text-danger" data-testid="publish-version-error">
                    {versionProblem}
                  </p>
                ) : null}
              </div>
            </div>
            {evalStatus ? <PublishEvalPanel project={project} promptName={promptName} status={evalStatus} selected={moveLabels} /> : null}
            <fieldset>
              <legend className="mb-1 text-xs font-medium">Move labels to the new version</legend>
              <div className="flex flex-wrap gap-3">
                {labelChoices.map((l) => {
                  const locked = l.protected && !isAdmin;
                  return (
                    <label
                      key={l.name}
                      className={cx("flex items-center gap-1.5 text-xs", locked && "opacity-60")}
                      title={locked ? "Protected: only admins can move it" : undefined}
                    >
                      <input
                        type="checkbox"
                        disabled={locked}
                        checked={moveLabels.includes(l.name)}
                        onChange={(e) => setMoveLabels((prev) => (e.target.checked ? [...prev, l.name] : prev.filter((x) => x !== l.name)))}
                        data-testid={`publish-label-${l.name}`}
                      />
                      {l.name}
                      {locked ? " (admin only)" : ""}
                      {gated.has(l.name) ? <span className="text-fg-muted"> (eval gate)</span> : null}
                    </label>
                  );
                })}
              </div>
            </fieldset>
            {gateRefusals.length > 0 ? (
              <p className="text-xs text-danger" data-testid="publish-gate-blocked">
                The release gate blocks moving {gateRefusals.map((d) => `"${d.label}"`).join(" and ")} to this draft: untick{" "}
                {gateRefusals.length === 1 ? "it" : "them"} to publish without moving, or run a passing eval first.
              </p>
            ) : null}
            {error ? (
              <div data-testid="publish-error" role="status" className="rounded-md border border-danger/30 bg-danger/10 px-3 py-2 text-sm text-danger">
                {error.message}
                {error.issues && error.issues.length > 0 ? (
                  <ul className="mt-1 list-disc pl-5 text-xs">
                    {error.issues.map((i, k) => (
                      <li key={k}>
                        {i.path ? <span title={i.path}>{describeLocation(i.path)}: </span> : null}
                        {i.message}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            ) : null}
            <div className="flex justify-end gap-2 border-t border-border pt-3">
              <Button variant="ghost" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button variant="primary" disabled={blocked || busy} onClick={() => void publish()} data-testid="publish-submit">
                {publishButtonLabel({ busy, version, bump, preview })}
              </Button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </>
  );
}
