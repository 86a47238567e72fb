"use client";

import type { Dispatch } from "react";
import { Button, Card, cx } from "@/components/ui";
import { variableTypeSchema } from "@/lib/prompts/schemas";
import { IconButton } from "./block-toolbar";
import type { EditorEdit } from "./editor-edits";
import { newId, type VariableState } from "./editor-model";
import { inputClass } from "./editor-styles";

/**
 * The variables contract as a table (name, type, required, default, description or enum values),
 * with "Declare all", which declares every placeholder the templates use but the contract lacks (`undeclared`) as a required string.
 */
export function VariablesSection({ variables, undeclared, dispatch }: { variables: VariableState[]; undeclared: string[]; dispatch: Dispatch<EditorEdit> }) {
  const setVariable = (id: string, patch: Partial<VariableState>) => dispatch({ type: "patchVariable", id, patch });
  return (
    <Card className="p-4" id="section-variables" tabIndex={-1}>
      <div className="mb-2 flex items-center justify-between gap-2">
        <h2 className="text-sm font-semibold">Variables contract</h2>
        <span className="flex gap-1">
          {undeclared.length > 0 ? (
            <Button
              size="sm"
              onClick={() => dispatch({ type: "addVariables", variables: undeclared.map((name) => ({ id: newId("v"), name })) })}
              data-testid="add-missing-variables"
            >
              Declare all ({undeclared.join(", ")})
            </Button>
          ) : null}
          <Button size="sm" variant="ghost" onClick={() => dispatch({ type: "addVariables", variables: [{ id: newId("v"), name: "" }] })}>
            + Variable
          </Button>
        </span>
      </div>
      {variables.length === 0 ? <p className="text-xs text-fg-muted">No variables: the prompt is sent as written.</p> : null}
      {variables.length > 0 ? (
        <div className="overflow-x-auto">
          <table className="w-full text-xs" data-testid="variables-table">
            <thead>
              <tr className="text-left text-fg-muted">
                <th className="py-1 pr-2 font-medium">Name</th>
                <th className="py-1 pr-2 font-medium">Type</th>
                <th className="py-1 pr-2 font-medium">Required</th>
                <th className="py-1 pr-2 font-medium">Default</th>
                <th className="py-1 pr-2 font-medium">Description / enum values</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {variables.map((v) => (
                <tr key={v.id} className="align-top" data-testid="variable-row">
                  <td className="py-1 pr-2">
                    <input
                      aria-label="Variable name"
                      value={v.name}
                      onChange={(e) => setVariable(v.id, { name: e.target.value })}
                      className={cx(inputClass, "h-7 w-36 min-w-32 font-mono text-xs")}
                    />
                  </td>
                  <td className="py-1 pr-2">
                    <select
                      aria-label={`Type of ${v.name}`}
                      value={v.type}
                      onChange={(e) => {
                        const type = variableTypeSchema.parse(e.target.value);
                        // A chat history has no default; it is placed among the turns (Messages).
                        setVariable(v.id, type === "messages" ? { type, hasDefault: false } : { type });
                      }}
                      className={cx(inputClass, "h-7 w-24 min-w-24 text-xs")}
                    >
                      {variableTypeSchema.options.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td className="py-1 pr-2 text-center">
                    <input
                      type="checkbox"
                      aria-label={`${v.name} is required`}
                      checked={v.required}
                      onChange={(e) => setVariable(v.id, { required: e.target.checked })}
                      className="mt-2"
                    />
                  </td>
                  <td className="py-1 pr-2">
                    {v.type === "messages" ? (
                      <span className="block pt-1.5 text-xxs text-fg-muted" data-testid="variable-history-note">
                        chat history: placed among the turns in Messages
                      </span>
                    ) : (
                      <div className="flex items-center gap-1">
                        <input
                          type="checkbox"
                          aria-label={`${v.name} has a default`}
                          checked={v.hasDefault}
                          onChange={(e) => setVariable(v.id, { hasDefault: e.target.checked })}
                        />
                        <input
                          aria-label={`Default of ${v.name}`}
                          disabled={!v.hasDefault}
                          value={v.defaultText}
                          placeholder={v.hasDefault ? "" : "none"}
                          onChange={(e) => setVariable(v.id, { defaultText: e.target.value })}
                          className={cx(inputClass, "h-7 w-28 font-mono text-xs disabled:opacity-50")}
                        />
                      </div>
                    )}
                  </td>
                  <td className="space-y-1 py-1 pr-2">
                    <input
                      aria-label={`Description of ${v.name}`}
                      value={v.description}
                      placeholder="What the caller passes"
                      onChange={(e) => setVariable(v.id, { description: e.target.value })}
                      className={cx(inputClass, "h-7 text-xs")}
                    />
                    {v.type === "enum" ? (
                      <input
                        aria-label={`Enum values of ${v.name}`}
                        value={v.valuesText}
                        placeholder="a, b, c"
                        onChange={(e) => setVariable(v.id, { valuesText: e.target.value })}
                        className={cx(inputClass, "h-7 font-mono text-xs")}
                      />
                    ) : null}
                  </td>
                  <td className="py-1">
                    <IconButton label={`Remove variable ${v.name}`} onClick={() => dispatch({ type: "removeVariable", id: v.id })}>
                      ✕
                    </IconButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}
