"use client";

import type { FormValue } from "@/lib/playground/schemas";
import type { VariableDef } from "@/lib/prompts/schemas";
import { Badge, cx } from "@/components/ui";
import { HistoryInput } from "@/components/playground/history-input";

/** The initial form value of a variable: its default, else empty (unchecked for booleans). */
export function initialFormValue(def: VariableDef): FormValue {
  if (def.type === "boolean") return def.default ?? false;
  if (def.default === undefined) return "";
  if (def.type === "json") return JSON.stringify(def.default, null, 2);
  return String(def.default);
}

function defaultText(def: VariableDef): string | null {
  if (def.default === undefined) return null;
  if (def.type === "json") return JSON.stringify(def.default);
  if (def.type === "string") return def.default === "" ? "empty text" : JSON.stringify(def.default);
  return String(def.default);
}

const inputClass = (invalid: boolean) =>
  cx(
    "block w-full rounded-md border bg-surface px-2.5 py-1.5 text-sm text-fg placeholder:text-fg-muted/70",
    "focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none disabled:opacity-60",
    invalid ? "border-danger" : "border-border",
  );

/**
 * A form generated from a variables contract: string -> textarea, number -> number input,
 * boolean -> checkbox, enum -> select, json -> monospace textarea. Defaults are pre-filled and
 * named under the field; `errors` (by variable name) are shown under their field.
 */
export function VariableForm({
  contract,
  values,
  onChange,
  errors,
  notes,
  disabled,
}: {
  contract: Record<string, VariableDef>;
  values: Record<string, FormValue>;
  onChange: (name: string, value: FormValue) => void;
  errors: Record<string, string[]>;
  /** Per-variable notes such as "only in v1.2.0" (compare mode). */
  notes?: Record<string, string>;
  disabled?: boolean;
}) {
  const names = Object.keys(contract);
  if (names.length === 0) {
    return <p className="text-sm text-fg-muted">This version declares no variables.</p>;
  }
  return (
    <div className="grid gap-4 md:grid-cols-2">
      {names.map((name) => {
        const def = contract[name]!;
        const id = `var-${name}`;
        const fieldErrors = errors[name] ?? [];
        const invalid = fieldErrors.length > 0;
        const value = values[name] ?? initialFormValue(def);
        const wide = def.type === "string" || def.type === "json" || def.type === "messages";
        const dflt = defaultText(def);
        const describedBy = `${id}-help`;
        return (
          <div key={name} className={cx("space-y-1", wide && "md:col-span-2")} data-testid={`field-${name}`}>
            <div className="flex flex-wrap items-center gap-1.5">
              {def.type === "boolean" || def.type === "messages" ? null : (
                <label htmlFor={id} className="font-mono text-xs font-medium text-fg">
                  {name}
                </label>
              )}
              {def.type === "boolean" || def.type === "messages" ? <span className="font-mono text-xs font-medium text-fg">{name}</span> : null}
              <Badge>{def.type}</Badge>
              {def.required && def.default === undefined ? <Badge tone="accent">required</Badge> : null}
              {notes?.[name] ? <Badge tone="warning">{notes[name]}</Badge> : null}
            </div>
            {def.type === "string" ? (
              <textarea
                id={id}
                rows={name === "question" || value.toString().length > 120 ? 4 : 2}
                value={String(value)}
                onChange={(e) => onChange(name, e.target.value)}
                disabled={disabled}
                aria-invalid={invalid || undefined}
                aria-describedby={describedBy}
                className={inputClass(invalid)}
              />
            ) : def.type === "messages" ? (
              <HistoryInput id={id} value={String(value)} onChange={(v) => onChange(name, v)} disabled={disabled} invalid={invalid} describedBy={describedBy} />
            ) : def.type === "json" ? (
              <textarea
                id={id}
                rows={4}
                spellCheck={false}
                value={String(value)}
                onChange={(e) => onChange(name, e.target.value)}
                disabled={disabled}
                aria-invalid={invalid || undefined}
                aria-describedby={describedBy}
                className={cx(inputClass(invalid), "font-mono text-xs")}
                placeholder='{"key": "value"}'
              />
            ) : def.type === "number" ? (
              <input
                id={id}
                type="number"
                step="any"
                value={String(value)}
                onChange={(e) => onChange(name, e.target.value)}
                disabled={disabled}
                aria-invalid={invalid || undefined}
                aria-describedby={describedBy}
                className={cx(inputClass(invalid), "h-9")}
              />
            ) : def.type === "enum" ? (
              <select
                id={id}
                value={String(value)}
                onChange={(e) => onChange(name, e.target.value)}
                disabled={disabled}
                aria-invalid={invalid || undefined}
                aria-describedby={describedBy}
                className={cx(inputClass(invalid), "h-9")}
              >
                {def.default === undefined ? <option value="">(not set)</option> : null}
                {def.values.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            ) : (
              <label className="flex items-center gap-2 text-sm">
                <input
                  id={id}
                  type="checkbox"
                  checked={value === true}
                  onChange={(e) => onChange(name, e.target.checked)}
                  disabled={disabled}
                  aria-describedby={describedBy}
                  className="size-4 accent-[rgb(var(--accent))]"
                />
                {value === true ? "true" : "false"}
              </label>
            )}
            <div id={describedBy} className="space-y-0.5">
              {fieldErrors.map((message) => (
                <p key={message} className="text-xs text-danger" data-testid={`field-error-${name}`}>
                  {message}
                </p>
              ))}
              {def.description || dflt !== null ? (
                <p className="text-xs text-fg-muted">
                  {def.description}
                  {def.description && dflt !== null ? " · " : null}
                  {dflt !== null ? (
                    <>
                      Default: <span className="font-mono">{dflt}</span>
                    </>
                  ) : null}
                </p>
              ) : null}
            </div>
          </div>
        );
      })}
    </div>
  );
}
