"use client";

import { useState } from "react";
import type { EvaluatorType } from "@/lib/evals/evaluator-config";
import type { EvalPromptOption } from "@/lib/evals/form-options";
import { Badge, Button, Card, cx } from "@/components/ui";
import { EVALUATOR_TYPES, type EvaluatorDraft } from "./evaluator-drafts";

const inputClass =
  "block h-8 w-full rounded-md border bg-surface px-2 text-sm text-fg focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

/** The list of evaluators of a new run: one editor per evaluator type, problems shown on the field. */
export function EvaluatorBuilder({
  drafts,
  errors,
  judges,
  onChange,
  onRemove,
  onAdd,
  listError,
}: {
  drafts: EvaluatorDraft[];
  /** "<draft key>.<field>" -> message. */
  errors: Record<string, string>;
  /** Prompts usable as a rubric, those answering JSON { score, reason } first. */
  judges: EvalPromptOption[];
  onChange: (key: number, next: EvaluatorDraft) => void;
  onRemove: (key: number) => void;
  onAdd: (type: EvaluatorType) => void;
  listError?: string;
}) {
  const [adding, setAdding] = useState<EvaluatorType>("exact_match");
  return (
    <Card className="space-y-3 p-4" data-testid="evaluator-builder">
      <div className="flex items-center justify-between gap-2">
        <h2 className="text-sm font-semibold">Evaluators</h2>
        <div className="flex items-center gap-2">
          <label htmlFor="add-evaluator-type" className="sr-only">
            Evaluator type
          </label>
          <select
            id="add-evaluator-type"
            className={cx(inputClass, "w-48 border-border")}
            value={adding}
            onChange={(e) => setAdding(e.target.value as EvaluatorType)}
            data-testid="add-evaluator-type"
          >
            {EVALUATOR_TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
          <Button type="button" size="sm" onClick={() => onAdd(adding)} disabled={drafts.length >= 10} data-testid="add-evaluator">
            Add
          </Button>
        </div>
      </div>
      {listError ? <p className="text-xs text-danger">{listError}</p> : null}
      {drafts.length === 0 ? <p className="text-sm text-fg-muted">Add at least one evaluator: how each output is scored.</p> : null}
      <ul className="space-y-3">
        {drafts.map((d) => (
          <li key={d.key} className="rounded-md border border-border p-3" data-testid="evaluator" data-type={d.type}>
            <EvaluatorEditor draft={d} errors={errors} judges={judges} onChange={(next) => onChange(d.key, next)} onRemove={() => onRemove(d.key)} />
          </li>
        ))}
      </ul>
    </Card>
  );
}

function EvaluatorEditor({
  draft: d,
  errors,
  judges,
  onChange,
  onRemove,
}: {
  draft: EvaluatorDraft;
  errors: Record<string, string>;
  judges: EvalPromptOption[];
  onChange: (next: EvaluatorDraft) => void;
  onRemove: () => void;
}) {
  const meta = EVALUATOR_TYPES.find((t) => t.type === d.type)!;
  const err = (field: string) => errors[`${d.key}.${field}`];
  // The column name lives on the draft itself; every other text field in `text`.
  const setText = (field: string, value: string) => onChange(field === "id" ? { ...d, id: value } : { ...d, text: { ...d.text, [field]: value } });
  const textValue = (field: string) => (field === "id" ? d.id : (d.text[field] ?? ""));
  const setFlag = (field: string, value: boolean) => onChange({ ...d, flags: { ...d.flags, [field]: value } });
  const text = (field: string, label: string, props: { placeholder?: string; hint?: string; mono?: boolean; width?: string } = {}) => {
    const id = `ev-${d.key}-${field}`;
    const message = err(field);
    return (
      <div className={cx("space-y-1", props.width)}>
        <label htmlFor={id} className="block text-xs font-medium">
          {label}
        </label>
        <input
          id={id}
          className={cx(inputClass, message ? "border-danger" : "border-border", props.mono && "font-mono")}
          value={textValue(field)}
          placeholder={props.placeholder}
          onChange={(e) => setText(field, e.target.value)}
          aria-invalid={message ? true : undefined}
          data-testid={`evaluator-${field}`}
        />
        {message ? <p className="text-xs text-danger">{message}</p> : props.hint ? <p className="text-xs text-fg-muted">{props.hint}</p> : null}
      </div>
    );
  };
  const flag = (field: string, label: string) => (
    <label className="flex items-center gap-1.5 text-xs">
      <input type="checkbox" checked={d.flags[field] ?? false} onChange={(e) => setFlag(field, e.target.checked)} data-testid={`evaluator-${field}`} />
      {label}
    </label>
  );
  return (
    <div className="space-y-2">
      <div className="flex items-start gap-3">
        <div className="min-w-0 flex-1">
          <p className="flex items-center gap-2 text-sm font-medium">
            {meta.label} <Badge>{d.type}</Badge>
          </p>
          <p className="text-xs text-fg-muted">{meta.help}</p>
        </div>
        <Button type="button" size="sm" variant="ghost" onClick={onRemove} aria-label={`Remove ${meta.label}`} data-testid="remove-evaluator">
          Remove
        </Button>
      </div>
      <div className="grid gap-2 sm:grid-cols-3">
        {text("id", "Column name", { hint: "Names its scores in the results", mono: true })}
        {d.type === "contains" ? text("value", "Value", { placeholder: "the expected text", width: "sm:col-span-2" }) : null}
        {d.type === "regex" ? (
          <>
            {text("pattern", "Pattern", { placeholder: "^(billing|shipping)$", mono: true })}
            {text("flags", "Flags", { placeholder: "i, m, s, u", mono: true })}
          </>
        ) : null}
        {d.type === "json_schema" ? (
          <div className="space-y-1 sm:col-span-2">
            <label htmlFor={`ev-${d.key}-schema`} className="block text-xs font-medium">
              JSON Schema
            </label>
            <textarea
              id={`ev-${d.key}-schema`}
              rows={3}
              className={cx(inputClass, "h-auto py-1 font-mono text-xs", err("schema") ? "border-danger" : "border-border")}
              value={d.text.schema ?? ""}
              placeholder='empty = the version&apos;s output schema, or {"type":"object","required":["category"]}'
              onChange={(e) => setText("schema", e.target.value)}
              data-testid="evaluator-schema"
            />
            {err("schema") ? <p className="text-xs text-danger">{err("schema")}</p> : null}
          </div>
        ) : null}
        {d.type === "json_field" ? (
          <>
            {text("path", "Field path", { placeholder: "$.category", mono: true })}
            {text("value", "Value (JSON)", { placeholder: "empty = the expected field", mono: true })}
          </>
        ) : null}
        {d.type === "numeric" ? (
          <>
            {text("path", "Field path", { placeholder: "empty = the whole output", mono: true })}
            {text("tolerance", "Tolerance", { placeholder: "0" })}
          </>
        ) : null}
        {d.type === "similarity" ? text("threshold", "Pass at similarity", { placeholder: "0.8", hint: "0 to 1" }) : null}
        {d.type === "llm_judge" ? (
          <>
            <div className="space-y-1">
              <label htmlFor={`ev-${d.key}-prompt`} className="block text-xs font-medium">
                Rubric prompt
              </label>
              <select
                id={`ev-${d.key}-prompt`}
                className={cx(inputClass, err("prompt") ? "border-danger" : "border-border")}
                value={d.text.prompt ?? ""}
                onChange={(e) => setText("prompt", e.target.value)}
                data-testid="evaluator-prompt"
              >
                <option value="">Choose a rubric…</option>
                {judges.map((j) => (
                  <option key={j.name} value={j.name}>
                    {j.name}
                    {j.judgeReady ? " (answers score + reason)" : ""}
                  </option>
                ))}
              </select>
              {err("prompt") ? <p className="text-xs text-danger">{err("prompt")}</p> : null}
            </div>
            {text("version", "Rubric version", { placeholder: "production", hint: "A version or label", mono: true })}
            {text("threshold", "Pass at score", { placeholder: "0.5", hint: "0 to 1" })}
          </>
        ) : null}
      </div>
      {d.type === "exact_match" ? (
        <div className="flex flex-wrap gap-3">
          {flag("trim", "Trim")}
          {flag("caseInsensitive", "Ignore case")}
          {flag("collapseWhitespace", "Collapse whitespace")}
          {flag("stripPunctuation", "Strip punctuation")}
        </div>
      ) : null}
      {d.type === "contains" ? flag("caseInsensitive", "Ignore case") : null}
      {d.type === "numeric" ? flag("relative", "Relative tolerance (0.05 = 5%)") : null}
    </div>
  );
}
