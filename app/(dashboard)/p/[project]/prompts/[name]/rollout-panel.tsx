"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { Badge, Button, FormError, cx } from "@/components/ui";
import { Dialog } from "@/components/prompts/dialog";
import { withSignIn } from "@/lib/http/signed-out";
import type { GuardrailFigures } from "@/lib/rollouts/decide";
import type { RolloutView } from "@/lib/rollouts/queries";
import { DEFAULT_MIN_STEP_CALLS, DEFAULT_MIN_STEP_SECONDS, DEFAULT_STEPS, stepListProblem } from "@/lib/rollouts/schemas";
import { rolloutAction, startRolloutAction } from "./actions";

const STATUS: Record<RolloutView["status"], { text: string; tone: "accent" | "warning" | "success" | "danger" | "neutral" }> = {
  RUNNING: { text: "rolling out", tone: "accent" },
  PAUSED: { text: "paused", tone: "warning" },
  COMPLETED: { text: "completed", tone: "success" },
  ROLLED_BACK: { text: "rolled back", tone: "danger" },
  ABORTED: { text: "aborted", tone: "neutral" },
};

const METRIC: Record<GuardrailFigures["metric"], string> = {
  error_rate: "Error rate",
  refusal_rate: "Refusal rate",
  latency: "Latency",
  cost_per_call: "Cost per call",
};

const EVENT: Record<RolloutView["events"][number]["kind"], string> = {
  started: "started at",
  advanced: "advanced to",
  paused: "paused at",
  resumed: "resumed at",
  rolled_back: "rolled back to",
  completed: "completed:",
  aborted: "aborted:",
  held: "held at",
};

/** "2026-12-03 16:40 UTC": the same on the server and in the browser (a relative time would differ at hydration). */
function utcMinute(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

function figure(metric: GuardrailFigures["metric"], value: number | null): string {
  if (value === null) return "—";
  if (metric === "latency") return `${Math.round(value)} ms`;
  if (metric === "cost_per_call") return `$${(value / 1_000_000).toFixed(6)}`;
  return `${(value * 100).toFixed(1)}%`;
}

function allowance(g: GuardrailFigures): string {
  return g.metric === "latency" || g.metric === "cost_per_call" ? `+${Math.round(g.maxIncrease * 100)}%` : `+${(g.maxIncrease * 100).toFixed(1)} pts`;
}

function GuardrailTable({ figures, testId }: { figures: readonly GuardrailFigures[]; testId: string }) {
  if (figures.length === 0) return null;
  const first = figures[0];
  return (
    <table className="w-full text-xs" data-testid={testId}>
      <thead>
        <tr className="text-left text-fg-muted">
          <th className="py-1 pr-2 font-medium">Guardrail</th>
          <th className="py-1 pr-2 font-medium">v{first?.current.version} (current)</th>
          <th className="py-1 pr-2 font-medium">v{first?.candidate.version} (new)</th>
          <th className="py-1 pr-2 font-medium">Allowed</th>
          <th className="py-1 font-medium">Status</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-border">
        {figures.map((g) => (
          <tr key={g.metric} data-testid="rollout-guardrail" data-metric={g.metric} data-breached={g.breached}>
            <td className="py-1 pr-2">{METRIC[g.metric]}</td>
            <td className="py-1 pr-2 font-mono">
              {figure(g.metric, g.current.value)} <span className="text-fg-muted">({g.current.calls} calls)</span>
            </td>
            <td className="py-1 pr-2 font-mono">
              {figure(g.metric, g.candidate.value)} <span className="text-fg-muted">({g.candidate.calls} calls)</span>
            </td>
            <td className="py-1 pr-2 font-mono">{allowance(g)}</td>
            <td className="py-1">
              {g.breached ? (
                <Badge tone="danger">breached</Badge>
              ) : g.pending ? (
                <span className="text-fg-muted" title={g.pending}>
                  waiting for calls
                </span>
              ) : (
                <Badge tone="success">ok</Badge>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function StepTrack({ rollout }: { rollout: RolloutView }) {
  const ended = rollout.status !== "RUNNING" && rollout.status !== "PAUSED";
  return (
    <ol className="flex flex-wrap items-center gap-1 text-xs" data-testid="rollout-steps">
      {rollout.steps.map((s, i) => {
        const done = rollout.status === "COMPLETED" || (!ended && i < rollout.stepIndex);
        const current = !ended && i === rollout.stepIndex;
        return (
          <li key={s} className="flex items-center gap-1">
            {i > 0 ? <span className="text-fg-muted">→</span> : null}
            <span
              className={cx(
                "rounded border px-1.5 py-0.5 font-mono",
                current
                  ? "border-accent bg-accent/15 font-semibold text-accent"
                  : done
                    ? "border-success/40 bg-success/10 text-success"
                    : "border-border text-fg-muted",
              )}
              data-current={current || undefined}
            >
              {s}%
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function History({ rollout }: { rollout: RolloutView }) {
  return (
    <ul className="space-y-0.5 text-xs" data-testid="rollout-history">
      {rollout.events.map((e, i) => (
        <li key={`${e.at}-${i}`} className="flex gap-2" data-testid="rollout-event" data-kind={e.kind}>
          <span className="shrink-0 text-fg-muted tabular-nums" title={`${e.at.slice(0, 19).replace("T", " ")} UTC`}>
            {e.at.slice(11, 19)}
          </span>
          <span>
            {EVENT[e.kind]} {e.kind === "completed" ? `the label moved to v${rollout.toVersion}` : e.kind === "aborted" ? "traffic back" : `${e.percent}%`}
            {e.reason ? <span className="text-fg-muted"> — {e.reason}</span> : null}
            <span className="text-fg-muted"> ({e.actor})</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * The prompt page's canary rollout card: the active rollout (step, share, what the step waits
 * for, guardrails against the current version, pause/resume/abort), the latest ended one (why it
 * ended, the figures, its history), older ones in a line each, and the start form. While a
 * rollout is active the page re-reads itself every 3 s.
 */
export function RolloutPanel({
  project,
  promptName,
  rollouts,
  labels,
  versions,
  canEdit,
  isAdmin,
}: {
  project: string;
  promptName: string;
  rollouts: RolloutView[];
  /** `approval`: the label's release rule in words, when moves need approval (a start is then a release request). */
  labels: RolloutLabel[];
  versions: string[];
  canEdit: boolean;
  isAdmin: boolean;
}) {
  const router = useRouter();
  const active = rollouts.find((r) => r.status === "RUNNING" || r.status === "PAUSED") ?? null;
  const [latest, ...older] = rollouts.filter((r) => r !== active);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), 3_000);
    return () => clearInterval(timer);
  }, [active, router]);

  const act = async (action: "pause" | "resume" | "abort") => {
    if (!active) return;
    setBusy(true);
    const result = await withSignIn(rolloutAction)({ project, rolloutId: active.id, action, reason: "" });
    setBusy(false);
    setError(result.ok ? null : result.message);
    router.refresh();
  };

  return (
    <div className="space-y-3 px-4 py-3" data-testid="rollout-panel">
      {active ? (
        <div className="space-y-2" data-testid="rollout-active" data-status={active.status} data-percent={active.percent}>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <span>
              Rolling out <span className="font-mono font-medium">v{active.toVersion}</span> to <span className="font-medium">{active.label}</span>
            </span>
            <Badge tone={STATUS[active.status].tone} data-testid="rollout-status">
              {active.reason && active.status === "PAUSED" ? "held" : STATUS[active.status].text}
            </Badge>
          </div>
          <StepTrack rollout={active} />
          <div className="h-2 w-full overflow-hidden rounded bg-muted" aria-hidden>
            <div className="h-full bg-accent transition-all" style={{ width: `${active.percent}%` }} />
          </div>
          <p className="text-xs text-fg-muted" data-testid="rollout-share">
            Step {active.stepIndex + 1} of {active.steps.length}: <span className="font-medium text-fg">{active.percent}%</span> of {active.label}&apos;s run
            traffic on v{active.toVersion}, {100 - active.percent}% on v{active.fromVersion}; {active.live?.callsInStep ?? 0} calls of the new version in this
            step.{" "}
            {active.status === "PAUSED"
              ? "Paused: not advancing (guardrails still watched)."
              : active.live && active.live.waitingFor.length > 0
                ? `Next step after ${active.live.waitingFor.join(" and ")}.`
                : "Advancing at the next check."}
          </p>
          {active.reason ? (
            <div className="rounded-md border border-warning/30 bg-warning/10 px-3 py-2 text-xs" data-testid="rollout-reason">
              {active.reason}
            </div>
          ) : null}
          <GuardrailTable figures={active.live?.guardrails ?? []} testId="rollout-guardrails" />
          {canEdit ? (
            <div className="flex gap-2">
              {active.status === "RUNNING" ? (
                <Button size="sm" disabled={busy} onClick={() => void act("pause")} data-testid="rollout-pause">
                  Pause
                </Button>
              ) : (
                <Button size="sm" disabled={busy} onClick={() => void act("resume")} data-testid="rollout-resume">
                  Resume
                </Button>
              )}
              <Button size="sm" variant="danger" disabled={busy} onClick={() => void act("abort")} data-testid="rollout-abort">
                Abort
              </Button>
            </div>
          ) : null}
          <FormError message={error} testId="rollout-error" />
          <History rollout={active} />
        </div>
      ) : null}

      {latest ? (
        <div className={cx("space-y-2", active && "border-t border-border pt-3")} data-testid="rollout-latest" data-status={latest.status}>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <span>
              <span className="font-mono">v{latest.fromVersion}</span> → <span className="font-mono">v{latest.toVersion}</span> on {latest.label}
            </span>
            <Badge tone={STATUS[latest.status].tone} data-testid="rollout-latest-status">
              {STATUS[latest.status].text}
            </Badge>
            {latest.endedAt ? <span className="text-xs text-fg-muted">ended {utcMinute(latest.endedAt)}</span> : null}
          </div>
          <StepTrack rollout={latest} />
          {latest.reason ? (
            <div
              className={cx(
                "rounded-md border px-3 py-2 text-xs",
                latest.status === "ROLLED_BACK" ? "border-danger/30 bg-danger/10 text-danger" : "border-border bg-muted/50",
              )}
              data-testid="rollout-latest-reason"
            >
              {latest.status === "ROLLED_BACK" ? "Rolled back: " : ""}
              {latest.reason}
            </div>
          ) : null}
          {latest.figures ? <GuardrailTable figures={latest.figures} testId="rollout-latest-figures" /> : null}
          <History rollout={latest} />
        </div>
      ) : null}

      {older.length > 0 ? (
        <ul className="space-y-0.5 border-t border-border pt-2 text-xs text-fg-muted" data-testid="rollout-older">
          {older.map((r) => (
            <li key={r.id}>
              v{r.fromVersion} → v{r.toVersion} on {r.label}: {STATUS[r.status].text}
              {r.endedAt ? `, ${utcMinute(r.endedAt)}` : ""}
            </li>
          ))}
        </ul>
      ) : null}

      {!active && rollouts.length === 0 ? (
        <p className="text-xs text-fg-muted" data-testid="rollout-empty">
          Roll a new version out gradually: a growing share of a label&apos;s run traffic, guarded against the current version, rolled back at once on a breach.
        </p>
      ) : null}

      {canEdit && !active ? (
        <>
          <Button size="sm" onClick={() => setOpen(true)} disabled={labels.length === 0 || versions.length < 2} data-testid="rollout-start-open">
            Start canary rollout
          </Button>
          <StartRolloutDialog
            open={open}
            onClose={() => setOpen(false)}
            project={project}
            promptName={promptName}
            labels={labels}
            versions={versions}
            isAdmin={isAdmin}
            onStarted={() => {
              setOpen(false);
              router.refresh();
            }}
          />
        </>
      ) : null}
    </div>
  );
}

/** The release reason's message, the same as the move dialog's (releaseReasonSchema). */
const REASON_REQUIRED = "Say why this version should be released: the approver reads it.";

type RolloutLabel = { name: string; version: string; protected: boolean; approval: string | null };

function StartRolloutDialog({
  open,
  onClose,
  project,
  promptName,
  labels,
  versions,
  isAdmin,
  onStarted,
}: {
  open: boolean;
  onClose: () => void;
  project: string;
  promptName: string;
  labels: RolloutLabel[];
  versions: string[];
  isAdmin: boolean;
  onStarted: () => void;
}) {
  const [label, setLabel] = useState(labels[0]?.name ?? "");
  const served = labels.find((l) => l.name === label)?.version;
  const candidates = versions.filter((v) => v !== served);
  const [version, setVersion] = useState(candidates[0] ?? "");
  const [steps, setSteps] = useState(DEFAULT_STEPS.join(", "));
  const [minutes, setMinutes] = useState(String(DEFAULT_MIN_STEP_SECONDS / 60));
  const [calls, setCalls] = useState(String(DEFAULT_MIN_STEP_CALLS));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = candidates.includes(version) ? version : (candidates[0] ?? "");
  const parsedSteps = steps
    .split(/[\s,>→-]+/)
    .filter(Boolean)
    .map(Number);
  const stepProblem = stepListProblem(parsedSteps);
  const protectedLabel = labels.find((l) => l.name === label)?.protected ?? false;
  const approval = labels.find((l) => l.name === label)?.approval ?? null;
  const [reason, setReason] = useState("");
  const router = useRouter();

  const submit = async () => {
    // Under a release rule the approver reads the reason: asked for here, as the move dialog does, before anything is sent.
    if (approval && !reason.trim()) return setError(REASON_REQUIRED);
    setBusy(true);
    const result = await withSignIn(startRolloutAction)({
      project,
      prompt: promptName,
      label,
      version: chosen,
      steps: parsedSteps,
      minStepSeconds: minutes.trim() === "" ? null : Math.round(Number(minutes) * 60),
      minStepCalls: calls.trim() === "" ? null : Number(calls),
      ...(reason.trim() ? { reason: reason.trim() } : {}),
    });
    setBusy(false);
    if (!result.ok) {
      setError(
        result.issues?.length ? `${result.message}: ${result.issues.map((i) => `${i.path ? `${i.path}: ` : ""}${i.message}`).join("; ")}` : result.message,
      );
      return;
    }
    setError(null);
    // Under a release rule nothing started: the request waits for an approver (its page shows the evidence).
    if (result.data.requestId) return router.push(`/p/${project}/releases/${result.data.requestId}`);
    onStarted();
  };

  const input = "h-8 w-full rounded-md border border-border bg-surface px-2 text-sm";
  return (
    <Dialog open={open} onClose={onClose} title={approval ? "Request a canary rollout" : "Start a canary rollout"} testId="rollout-start-dialog">
      <div className="space-y-3 text-sm">
        <div className="grid grid-cols-2 gap-2">
          <div className="space-y-1">
            <label htmlFor="rollout-label" className="block text-xs font-medium">
              Label
            </label>
            <select id="rollout-label" value={label} onChange={(e) => setLabel(e.target.value)} className={input} data-testid="rollout-label">
              {labels.map((l) => (
                <option key={l.name} value={l.name}>
                  {l.name} (v{l.version})
                </option>
              ))}
            </select>
          </div>
          <div className="space-y-1">
            <label htmlFor="rollout-version" className="block text-xs font-medium">
              New version
            </label>
            <select
              id="rollout-version"
              value={chosen}
              onChange={(e) => setVersion(e.target.value)}
              className={`${input} font-mono`}
              data-testid="rollout-version"
            >
              {candidates.map((v) => (
                <option key={v} value={v}>
                  v{v}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="space-y-1">
          <label htmlFor="rollout-steps" className="block text-xs font-medium">
            Steps (% of the label&apos;s run traffic on the new version)
          </label>
          <input
            id="rollout-steps"
            value={steps}
            onChange={(e) => setSteps(e.target.value)}
            className={`${input} font-mono`}
            aria-invalid={stepProblem ? true : undefined}
            data-testid="rollout-steps-input"
          />
          <p className={cx("text-xs", stepProblem ? "text-danger" : "text-fg-muted")} data-testid="rollout-steps-hint">
            {stepProblem ?? "After the last step the label moves to the new version."}
          </p>
        </div>
        <div className="grid grid-cols-2 gap-2">
          <div className="space-y-1">
            <label htmlFor="rollout-minutes" className="block text-xs font-medium">
              Minimum minutes per step
            </label>
            <input
              id="rollout-minutes"
              inputMode="decimal"
              value={minutes}
              onChange={(e) => setMinutes(e.target.value)}
              className={input}
              data-testid="rollout-minutes"
            />
          </div>
          <div className="space-y-1">
            <label htmlFor="rollout-calls" className="block text-xs font-medium">
              Minimum calls per step
            </label>
            <input
              id="rollout-calls"
              inputMode="numeric"
              value={calls}
              onChange={(e) => setCalls(e.target.value)}
              className={input}
              data-testid="rollout-calls"
            />
          </div>
        </div>
        <p className="text-xs text-fg-muted">
          A step ends when both minimums are met (leave one empty to use the other alone). Guardrails compare the new version with the current one: error and
          refusal rate +5 pts, latency and cost +50%; a breach rolls back at once.
        </p>
        {approval ? (
          <div className="space-y-1" data-testid="rollout-approval">
            <p className="rounded-md border border-warning/30 bg-warning/10 px-3 py-2 text-xs" data-testid="rollout-approval-note">
              &quot;{label}&quot; moves only with an approved release request ({approval}). Requesting gathers the evidence for the approver; the rollout starts
              when the request is approved, and its last step moves the label under that approval.
            </p>
            <label htmlFor="rollout-reason" className="block text-xs font-medium">
              Reason (required: the approver reads it)
            </label>
            <textarea
              id="rollout-reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              rows={2}
              maxLength={500}
              className="w-full rounded-md border border-border bg-surface px-2 py-1.5 text-sm"
              aria-invalid={error === REASON_REQUIRED ? true : undefined}
              data-testid="rollout-reason"
            />
          </div>
        ) : null}
        {protectedLabel && !isAdmin && !approval ? (
          <p className="text-xs text-warning" data-testid="rollout-protected-note">
            {label} is protected: only admins can roll out on it.
          </p>
        ) : null}
        <FormError message={error} testId="rollout-start-error" />
        <div className="flex justify-end gap-2">
          <Button size="sm" variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button size="sm" variant="primary" disabled={busy || !chosen || stepProblem !== null} onClick={() => void submit()} data-testid="rollout-start">
            {approval ? "Request rollout" : "Start rollout"}
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
