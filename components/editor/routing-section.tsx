"use client";

import Link from "next/link";
import { useState, type Dispatch } from "react";
import { Button, Card, cx } from "@/components/ui";
import type { ActionResult } from "@/lib/http/action-result";
import { withSignIn } from "@/lib/http/signed-out";
import { formatMicros, type ModelSpec } from "@/lib/models/catalog";
import type { WhatIfReport } from "@/lib/prompts/routing-what-if";
import { IconButton } from "./block-toolbar";
import type { EditorEdit } from "./editor-edits";
import type { EditorIssue } from "./editor-model";
import { inputClass, smallLabel } from "./editor-styles";
import { moveRule, newCondition, newRule, OPS, routingFromRules, type ConditionState, type RoutingSignal, type RuleState } from "./routing-model";

export type RoutingWhatIfAction = (input: {
  project: string;
  promptId: string;
  routing: unknown;
  defaultModel: string;
  limit: number;
}) => Promise<ActionResult<WhatIfReport>>;

// The shared input class fills its cell; here controls sit side by side at their own widths.
const fieldClass = inputClass.replace("w-full ", "");

const SIGNALS: { value: RoutingSignal; label: string }[] = [
  { value: "input_tokens", label: "input tokens" },
  { value: "variable", label: "variable" },
  { value: "metadata", label: "metadata" },
];

/**
 * Model routing: ordered rules (name, conditions over input tokens, a variable or request
 * metadata, the model), edited, reordered and validated live (the issues come from lib/prompts'
 * checks, shown under the rule they name), plus the "what if" over the prompt's logged calls.
 */
export function RoutingSection(props: {
  project: string;
  promptId: string;
  rules: RuleState[];
  defaultModel: string;
  models: ModelSpec[];
  variables: string[];
  issues: EditorIssue[];
  dispatch: Dispatch<EditorEdit>;
  whatIf: RoutingWhatIfAction;
  /** The new-evaluation form set to compare the saved draft with and without its rules on a dataset. */
  evalHref?: string;
}) {
  const { rules, models, dispatch } = props;
  const set = (next: RuleState[]) => dispatch({ type: "setRouting", rules: next });
  const patchRule = (id: string, patch: Partial<RuleState>) => set(rules.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const patchCondition = (rule: RuleState, id: string, patch: Partial<ConditionState>) =>
    patchRule(rule.id, { conditions: rule.conditions.map((c) => (c.id === id ? { ...c, ...patch } : c)) });
  const routingIssues = props.issues.filter((i) => i.path.startsWith("modelConfig.routing"));
  const issuesOf = (i: number) =>
    routingIssues.filter((x) => x.path === `modelConfig.routing.rules.${i}` || x.path.startsWith(`modelConfig.routing.rules.${i}.`));

  return (
    <Card className="space-y-3 p-4" id="section-routing" tabIndex={-1} data-testid="routing-section">
      <div className="flex items-center justify-between gap-2">
        <div>
          <h2 className="text-sm font-semibold">Routing</h2>
          <p className="text-xxs text-fg-muted">
            Rules run in order; the first whose conditions all hold picks the model. Calls no rule matches use{" "}
            <span className="font-mono">{props.defaultModel || "the model"}</span>.
          </p>
        </div>
        <Button
          size="sm"
          variant="ghost"
          onClick={() => set([...rules, newRule(rules, models.find((m) => m.tier === "fast" && !m.deprecated)?.model ?? props.defaultModel)])}
          data-testid="add-routing-rule"
        >
          + Rule
        </Button>
      </div>
      {rules.length === 0 ? <p className="text-xs text-fg-muted">No routing: every call goes to the version&apos;s model.</p> : null}
      <ol className="space-y-2">
        {rules.map((rule, i) => (
          <li key={rule.id} className="rounded-md border border-border p-2" data-testid="routing-rule">
            <div className="flex flex-wrap items-center gap-2">
              <span className="w-5 text-xs text-fg-muted">{i + 1}.</span>
              <input
                aria-label="Rule name"
                value={rule.name}
                onChange={(e) => patchRule(rule.id, { name: e.target.value })}
                className={cx(fieldClass, "h-7 w-48 font-mono text-xs")}
              />
              <span className="text-xs text-fg-muted">→</span>
              <select
                aria-label="Rule model"
                value={rule.model}
                onChange={(e) => patchRule(rule.id, { model: e.target.value })}
                className={cx(fieldClass, "h-7 w-56 text-xs")}
              >
                {!models.some((m) => m.model === rule.model) ? <option value={rule.model}>{rule.model || "choose a model"} (unknown)</option> : null}
                {models.map((m) => (
                  <option key={m.model} value={m.model}>
                    {m.displayName}
                  </option>
                ))}
              </select>
              <span className="ml-auto flex">
                <IconButton label="Move rule up" disabled={i === 0} onClick={() => set(moveRule(rules, i, i - 1))}>
                  ↑
                </IconButton>
                <IconButton label="Move rule down" disabled={i === rules.length - 1} onClick={() => set(moveRule(rules, i, i + 1))}>
                  ↓
                </IconButton>
                <IconButton label="Remove rule" onClick={() => set(rules.filter((r) => r.id !== rule.id))}>
                  ✕
                </IconButton>
              </span>
            </div>
            <div className="mt-1.5 space-y-1 pl-7">
              {rule.conditions.length === 0 ? <p className="text-xxs text-fg-muted">No conditions: matches every call.</p> : null}
              {rule.conditions.map((c) => (
                <div key={c.id} className="flex flex-wrap items-center gap-1.5" data-testid="routing-condition">
                  <span className="w-8 text-xxs text-fg-muted">{c === rule.conditions[0] ? "when" : "and"}</span>
                  <select
                    aria-label="Signal"
                    value={c.signal}
                    onChange={(e) => {
                      const fresh = newCondition(e.target.value as RoutingSignal, props.variables[0]);
                      patchCondition(rule, c.id, { signal: fresh.signal, subject: fresh.subject, op: fresh.op, valueText: fresh.valueText });
                    }}
                    className={cx(fieldClass, "h-7 w-32 text-xs")}
                  >
                    {SIGNALS.map((s) => (
                      <option key={s.value} value={s.value}>
                        {s.label}
                      </option>
                    ))}
                  </select>
                  {c.signal === "variable" ? (
                    <select
                      aria-label="Variable"
                      value={c.subject}
                      onChange={(e) => patchCondition(rule, c.id, { subject: e.target.value })}
                      className={cx(fieldClass, "h-7 w-36 font-mono text-xs")}
                    >
                      {!props.variables.includes(c.subject) ? <option value={c.subject}>{c.subject || "choose"} (not declared)</option> : null}
                      {props.variables.map((v) => (
                        <option key={v} value={v}>
                          {v}
                        </option>
                      ))}
                    </select>
                  ) : null}
                  {c.signal === "metadata" ? (
                    <input
                      aria-label="Metadata key"
                      placeholder="key"
                      value={c.subject}
                      onChange={(e) => patchCondition(rule, c.id, { subject: e.target.value })}
                      className={cx(fieldClass, "h-7 w-28 font-mono text-xs")}
                    />
                  ) : null}
                  <select
                    aria-label="Operator"
                    value={c.op}
                    onChange={(e) => patchCondition(rule, c.id, { op: e.target.value })}
                    className={cx(fieldClass, "h-7 w-24 text-xs")}
                  >
                    {OPS[c.signal].map((op) => (
                      <option key={op} value={op}>
                        {op}
                      </option>
                    ))}
                  </select>
                  <input
                    aria-label="Value"
                    placeholder={c.signal === "input_tokens" ? "tokens" : c.op === "in" ? "a, b, c" : c.op === "matches" ? "regular expression" : "value"}
                    value={c.valueText}
                    onChange={(e) => patchCondition(rule, c.id, { valueText: e.target.value })}
                    className={cx(fieldClass, "h-7 w-40 font-mono text-xs")}
                  />
                  <IconButton label="Remove condition" onClick={() => patchRule(rule.id, { conditions: rule.conditions.filter((x) => x.id !== c.id) })}>
                    ✕
                  </IconButton>
                </div>
              ))}
              <span className="flex gap-1">
                {SIGNALS.map((s) => (
                  <Button
                    key={s.value}
                    size="sm"
                    variant="ghost"
                    onClick={() => patchRule(rule.id, { conditions: [...rule.conditions, newCondition(s.value, props.variables[0])] })}
                  >
                    + {s.label}
                  </Button>
                ))}
              </span>
              {issuesOf(i).map((x) => (
                <p key={`${x.path}:${x.message}`} className="text-xs text-danger" data-testid="routing-issue">
                  {x.message}
                </p>
              ))}
            </div>
          </li>
        ))}
      </ol>
      <WhatIfPanel {...props} />
    </Card>
  );
}

/** Applies the current rules to the prompt's last N logged calls and shows the cost change per rule. */
function WhatIfPanel(props: {
  project: string;
  promptId: string;
  rules: RuleState[];
  defaultModel: string;
  issues: EditorIssue[];
  whatIf: RoutingWhatIfAction;
  evalHref?: string;
}) {
  const [limit, setLimit] = useState("500");
  const [report, setReport] = useState<WhatIfReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const blocked = props.rules.length === 0 || props.issues.some((i) => i.severity === "error" && i.path.startsWith("modelConfig.routing"));
  async function run() {
    setBusy(true);
    setError(null);
    const n = Number(limit);
    const result = await withSignIn(props.whatIf)({
      project: props.project,
      promptId: props.promptId,
      routing: routingFromRules(props.rules),
      defaultModel: props.defaultModel,
      limit: Number.isInteger(n) && n >= 1 ? Math.min(n, 5000) : 500,
    });
    setBusy(false);
    if (result.ok) setReport(result.data);
    else setError(result.message);
  }
  const change = (micros: number) => (micros === 0 ? "±$0" : micros < 0 ? `−${formatMicros(-micros)}` : `+${formatMicros(micros)}`);
  return (
    <div className="border-t border-border pt-3" data-testid="routing-what-if">
      <div className="flex flex-wrap items-end gap-2">
        <div>
          <label className={smallLabel} htmlFor="what-if-limit">
            What if: last N calls
          </label>
          <input
            id="what-if-limit"
            inputMode="numeric"
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
            className={cx(fieldClass, "h-7 w-24 text-xs")}
          />
        </div>
        <Button size="sm" onClick={() => void run()} disabled={busy || blocked} data-testid="run-what-if">
          {busy ? "Pricing…" : "Price these rules"}
        </Button>
        {blocked && props.rules.length > 0 ? <span className="text-xxs text-fg-muted">fix the rules first</span> : null}
        {props.evalHref && props.rules.length > 0 ? (
          <Link
            href={props.evalHref}
            className="ml-auto text-xs font-medium text-accent hover:underline"
            data-testid="routing-eval-link"
            title="Runs the saved draft on a dataset with its rules and on its own model, and shows the score and cost per rule"
          >
            Evaluate per routed model on a dataset →
          </Link>
        ) : null}
      </div>
      {error ? <p className="mt-2 text-xs text-danger">{error}</p> : null}
      {report ? (
        <div className="mt-2 space-y-1">
          <p className="text-xs" data-testid="what-if-summary">
            {report.evaluated} of {report.calls} calls: {formatMicros(report.currentMicros)} now, {formatMicros(report.candidateMicros)} with these rules (
            <span className={report.changeMicros <= 0 ? "font-semibold text-success" : "font-semibold text-danger"}>{change(report.changeMicros)}</span>, at
            current prices)
            {report.skipped.noVariables > 0 ? `; ${report.skipped.noVariables} calls skipped (no stored variables)` : ""}
          </p>
          <table className="w-full text-xs" data-testid="what-if-table">
            <thead>
              <tr className="text-left text-fg-muted">
                <th className="py-1 pr-2 font-medium">Rule</th>
                <th className="py-1 pr-2 font-medium">Model</th>
                <th className="py-1 pr-2 text-right font-medium">Calls</th>
                <th className="py-1 pr-2 text-right font-medium">Now</th>
                <th className="py-1 pr-2 text-right font-medium">With rules</th>
                <th className="py-1 text-right font-medium">Change</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((r) => (
                <tr key={r.rule} className="border-t border-border">
                  <td className="py-1 pr-2 font-mono">{r.rule}</td>
                  <td className="py-1 pr-2 font-mono">{r.model}</td>
                  <td className="py-1 pr-2 text-right">{r.calls}</td>
                  <td className="py-1 pr-2 text-right">{formatMicros(r.currentMicros)}</td>
                  <td className="py-1 pr-2 text-right">{formatMicros(r.candidateMicros)}</td>
                  <td className={cx("py-1 text-right", r.changeMicros < 0 ? "text-success" : r.changeMicros > 0 ? "text-danger" : "")}>
                    {change(r.changeMicros)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="text-xxs text-fg-muted">
            Each call keeps its logged tokens, priced at the model the rules pick; another model tokenizes and answers differently, so run an evaluation per
            model to see quality and real lengths.
          </p>
        </div>
      ) : null}
    </div>
  );
}
