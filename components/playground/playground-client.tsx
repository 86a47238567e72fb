"use client";

import { useMemo, useState } from "react";
import type { PlaygroundVersion } from "@/lib/playground/queries";
import { FAULT_DESCRIPTIONS, PLAYGROUND_FAULTS, type FormValue, type PlaygroundFault } from "@/lib/playground/schemas";
import type { VariableDef } from "@/lib/prompts/schemas";
import { Badge, Button, Card, cx } from "@/components/ui";
import { ResultPanel } from "@/components/playground/result-panel";
import { usePlaygroundRun, type RunState } from "@/components/playground/use-playground-run";
import { useToolConversation } from "@/components/playground/use-tool-conversation";
import { ToolResultsForm } from "@/components/playground/tool-calls";
import { initialFormValue, VariableForm } from "@/components/playground/variable-form";

function versionName(v: PlaygroundVersion): string {
  return v.label === "draft" ? "draft" : `v${v.label}`;
}

function optionText(v: PlaygroundVersion): string {
  const tags = [...v.labels, ...(v.status === "DRAFT" ? ["unpublished"] : [])];
  return `${versionName(v)}${tags.length > 0 ? ` · ${tags.join(", ")}` : ""} · ${v.model}`;
}

/** Errors per variable name, from a refused run's issues (`variables.<name>[.<where>]`); others under "". */
function fieldErrors(runs: Array<{ label: string; state: RunState }>, prefix: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { label, state } of runs) {
    for (const issue of state.error?.issues ?? []) {
      const key = issue.path.startsWith("variables.") ? (issue.path.slice("variables.".length).split(".")[0] ?? "") : "";
      const message = prefix ? `${label}: ${issue.message}` : issue.message;
      const list = (out[key] ??= []);
      if (!list.includes(message)) list.push(message);
    }
  }
  return out;
}

function VersionSelect({
  id,
  label,
  versions,
  value,
  onChange,
  disabled,
}: {
  id: string;
  label: string;
  versions: PlaygroundVersion[];
  value: string;
  onChange: (id: string) => void;
  disabled: boolean;
}) {
  return (
    <div className="min-w-0 flex-1 space-y-1">
      <label htmlFor={id} className="block text-xs font-medium">
        {label}
      </label>
      <select
        id={id}
        data-testid={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled}
        className="block h-9 w-full rounded-md border border-border bg-surface px-2.5 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none"
      >
        {versions.map((v) => (
          <option key={v.id} value={v.id}>
            {optionText(v)}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The playground: pick a version (or two in compare mode), fill the variables, run. Each run is
 * its own streamed request, so compare mode's two runs proceed concurrently.
 */
export function PlaygroundClient({
  runUrl,
  versions,
  defaultVersionId,
  simulated,
  callsPath,
}: {
  runUrl: string;
  versions: PlaygroundVersion[];
  defaultVersionId: string;
  simulated: boolean;
  /** The call explorer's path (`/p/:project/calls`): "Logged as call" links to the call there. */
  callsPath: string;
}) {
  const byId = useMemo(() => new Map(versions.map((v) => [v.id, v])), [versions]);
  const [compare, setCompare] = useState(false);
  const [idA, setIdA] = useState(defaultVersionId);
  const [idB, setIdB] = useState(() => versions.find((v) => v.id !== defaultVersionId)?.id ?? defaultVersionId);
  const [values, setValues] = useState<Record<string, FormValue>>({});
  const [fault, setFault] = useState<PlaygroundFault | "">("");
  const a = usePlaygroundRun(runUrl);
  const b = usePlaygroundRun(runUrl);
  const convA = useToolConversation(a);
  const convB = useToolConversation(b);

  const versionA = byId.get(idA) ?? versions[0]!;
  const versionB = byId.get(idB) ?? versions[0]!;

  // One form for both versions: the union of their contracts (A's definition wins on a clash).
  const { contract, notes } = useMemo(() => {
    const merged: Record<string, VariableDef> = { ...versionA.variables };
    const notes: Record<string, string> = {};
    if (compare) {
      for (const [name, def] of Object.entries(versionB.variables)) {
        if (!Object.hasOwn(merged, name)) {
          merged[name] = def;
          notes[name] = `only in ${versionName(versionB)}`;
        }
      }
      for (const name of Object.keys(versionA.variables)) {
        if (!Object.hasOwn(versionB.variables, name)) notes[name] = `only in ${versionName(versionA)}`;
      }
    }
    return { contract: merged, notes };
  }, [compare, versionA, versionB]);

  const running = a.state.phase === "running" || b.state.phase === "running";
  const formValues = useMemo(() => {
    const out: Record<string, FormValue> = {};
    for (const [name, def] of Object.entries(contract)) out[name] = values[name] ?? initialFormValue(def);
    return out;
  }, [contract, values]);

  const runs = compare
    ? [
        { label: versionName(versionA), state: a.state },
        { label: versionName(versionB), state: b.state },
      ]
    : [{ label: versionName(versionA), state: a.state }];
  const errors = fieldErrors(runs, compare);
  const general = errors[""] ?? [];

  function run() {
    const request = { variables: formValues, fault: fault === "" ? null : fault };
    convA.begin({ ...request, versionId: versionA.id });
    if (compare) convB.begin({ ...request, versionId: versionB.id });
    else {
      b.reset();
      convB.clear();
    }
  }

  const toolForm = (pane: typeof a, conv: typeof convA) =>
    conv.canReply && pane.state.facts ? (
      <ToolResultsForm
        key={pane.state.facts.callId ?? pane.state.facts.toolCalls.map((c) => c.id).join(",")}
        facts={pane.state.facts}
        onSend={(results) => void conv.reply(results)}
        disabled={running}
        serverError={conv.refused}
      />
    ) : null;

  function stop() {
    a.stop();
    b.stop();
  }

  return (
    <div className="space-y-4">
      <Card className="p-4">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!running) run();
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.metaKey || e.ctrlKey) && !running) {
              e.preventDefault();
              run();
            }
          }}
          className="space-y-4"
          data-testid="playground-form"
        >
          <div className="flex flex-wrap items-end gap-3">
            <VersionSelect
              id="version-a"
              label={compare ? "Version A" : "Version"}
              versions={versions}
              value={versionA.id}
              onChange={setIdA}
              disabled={running}
            />
            {compare ? <VersionSelect id="version-b" label="Version B" versions={versions} value={versionB.id} onChange={setIdB} disabled={running} /> : null}
            <div className="flex h-9 items-center rounded-md border border-border p-0.5" role="group" aria-label="Mode">
              {(["single", "compare"] as const).map((m) => (
                <button
                  key={m}
                  type="button"
                  data-testid={`mode-${m}`}
                  aria-pressed={compare === (m === "compare")}
                  disabled={running}
                  onClick={() => setCompare(m === "compare")}
                  className={cx(
                    "h-full rounded px-3 text-xs font-medium",
                    compare === (m === "compare") ? "bg-accent text-accent-fg" : "text-fg-muted hover:text-fg",
                  )}
                >
                  {m === "single" ? "Single" : "Compare"}
                </button>
              ))}
            </div>
          </div>

          <div className="border-t border-border pt-4">
            <h2 className="mb-3 text-sm font-semibold">Variables</h2>
            <VariableForm
              contract={contract}
              values={formValues}
              onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))}
              errors={errors}
              notes={notes}
              disabled={running}
            />
            {general.map((message) => (
              <p key={message} className="mt-2 text-xs text-danger" data-testid="form-issue">
                {message}
              </p>
            ))}
          </div>

          <details className="rounded-md border border-border px-3 py-2 text-sm" data-testid="advanced">
            <summary className="cursor-pointer text-xs font-medium text-fg-muted select-none">
              Advanced: inject a simulator fault
              {fault ? (
                <Badge tone="warning" className="ml-2">
                  {fault}
                </Badge>
              ) : null}
            </summary>
            {simulated ? (
              <div className="mt-2 space-y-1.5">
                <label htmlFor="fault" className="block text-xs font-medium">
                  Fault for the next run
                </label>
                <select
                  id="fault"
                  data-testid="fault-select"
                  value={fault}
                  onChange={(e) => setFault(e.target.value as PlaygroundFault | "")}
                  disabled={running}
                  className="block h-9 w-full max-w-sm rounded-md border border-border bg-surface px-2.5 text-sm"
                >
                  <option value="">None</option>
                  {PLAYGROUND_FAULTS.map((f) => (
                    <option key={f} value={f}>
                      {FAULT_DESCRIPTIONS[f].label}
                    </option>
                  ))}
                </select>
                <p className="text-xs text-fg-muted">
                  {fault
                    ? FAULT_DESCRIPTIONS[fault].description
                    : "Sent to the simulator as the x-sim-fault header, so you can watch retries, fallbacks, refusals and output repair happen."}
                </p>
              </div>
            ) : (
              <p className="mt-2 text-xs text-fg-muted">Fault injection is only available with the simulator (no ANTHROPIC_API_KEY).</p>
            )}
          </details>

          <div className="flex items-center gap-2">
            <Button type="submit" variant="primary" disabled={running} data-testid="run-button">
              {running ? "Running…" : compare ? "Run both" : "Run"}
            </Button>
            {running ? (
              <Button type="button" onClick={stop} data-testid="stop-button">
                Stop
              </Button>
            ) : null}
            <span className="text-xs text-fg-muted">Ctrl/⌘ + Enter</span>
          </div>
        </form>
      </Card>

      <div className={cx("grid gap-4", compare && "lg:grid-cols-2")}>
        <ResultPanel
          testId="result-a"
          run={a.state}
          simulated={simulated}
          callsPath={callsPath}
          rounds={convA.rounds}
          toolForm={toolForm(a, convA)}
          title={
            <>
              {compare ? <span className="text-fg-muted">A</span> : null}
              <span className="font-mono">
                {a.state.versionLabel ? (a.state.versionLabel === "draft" ? "draft" : `v${a.state.versionLabel}`) : versionName(versionA)}
              </span>
            </>
          }
        />
        {compare ? (
          <ResultPanel
            testId="result-b"
            run={b.state}
            simulated={simulated}
            callsPath={callsPath}
            rounds={convB.rounds}
            toolForm={toolForm(b, convB)}
            title={
              <>
                <span className="text-fg-muted">B</span>
                <span className="font-mono">
                  {b.state.versionLabel ? (b.state.versionLabel === "draft" ? "draft" : `v${b.state.versionLabel}`) : versionName(versionB)}
                </span>
              </>
            }
          />
        ) : null}
      </div>
    </div>
  );
}
