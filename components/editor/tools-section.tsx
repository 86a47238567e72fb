"use client";

import type { Dispatch } from "react";
import { Badge, Button, Card, cx } from "@/components/ui";
import { BlockToolbar, dragItemClass, useDragReorder } from "./block-toolbar";
import { CacheToggle } from "./cache-toggle";
import type { EditorEdit } from "./editor-edits";
import { issuesAt, newId, type CacheFigures, type EditorIssue, type EditorState, type ToolChoiceKind } from "./editor-model";
import { inputClass, smallLabel } from "./editor-styles";
import { TemplateEditor } from "./template-editor";

const CHOICES: { value: ToolChoiceKind; label: string; hint: string }[] = [
  { value: "", label: "unset (auto)", hint: "Not sent: Claude decides whether to call a tool." },
  { value: "auto", label: "auto", hint: "Claude decides whether to call a tool." },
  { value: "any", label: "any", hint: "Claude must call one of the tools." },
  { value: "tool", label: "tool", hint: "Claude must call the tool named here." },
  { value: "none", label: "none", hint: "Claude must not call a tool (the definitions still count as input)." },
];

/** The messages of one field, under it, in red (warnings in amber). */
export function FieldIssues({ issues, testId }: { issues: readonly EditorIssue[]; testId: string }) {
  if (issues.length === 0) return null;
  return (
    <ul className="mt-1 space-y-0.5" data-testid={testId}>
      {issues.map((i, k) => (
        <li key={`${i.path}-${k}`} className={cx("text-xxs", i.severity === "error" ? "text-danger" : "text-warning")} title={i.path}>
          {i.message}
        </li>
      ))}
    </ul>
  );
}

/**
 * The tool definitions of the version (`request.tools`): name, description and a JSON editor for
 * each `input_schema`, reorderable, with `tool_choice`. Tools come first in Claude's cache order:
 * each tool shows its tokens and the running prefix, and the last one carries the optional
 * breakpoint that caches all of them. Every problem is shown at its field (the same issues as
 * the validation panel, from lib/prompts' checks).
 */
export function ToolsSection({
  doc,
  figures,
  issues,
  errorAnchors,
  dispatch,
}: {
  doc: Pick<EditorState, "tools" | "toolChoice" | "toolChoiceName" | "disableParallel">;
  figures: CacheFigures;
  issues: readonly EditorIssue[];
  errorAnchors: ReadonlySet<string>;
  dispatch: Dispatch<EditorEdit>;
}) {
  const { tools } = doc;
  const drag = useDragReorder("tool", (from, to) => dispatch({ type: "moveTool", from, to }));
  const last = tools.length - 1;
  const lastBp = figures.breakpointAt.get(`tools.${last}`);
  const toolTokens = tools.reduce((n, _t, i) => n + (figures.blockAt.get(`tools.${i}`)?.tokens ?? 0), 0);
  const min = figures.minCacheableTokens;
  const choiceHint = CHOICES.find((c) => c.value === doc.toolChoice)?.hint ?? "";
  return (
    <Card className="p-4" id="section-tools" tabIndex={-1} data-testid="tools-section">
      <div className="mb-1 flex items-center justify-between gap-2">
        <h2 className="flex items-center gap-2 text-sm font-semibold">
          Tools
          {tools.length > 0 ? (
            <span className="text-xxs font-normal text-fg-muted" data-testid="tools-tokens">
              {tools.length} tool{tools.length === 1 ? "" : "s"} · ~{toolTokens.toLocaleString("en")} tokens (estimate)
            </span>
          ) : null}
        </h2>
        <Button size="sm" variant="ghost" onClick={() => dispatch({ type: "addTool", id: newId("tool") })} data-testid="add-tool">
          + Tool
        </Button>
      </div>
      <p className="mb-2 text-xxs text-fg-muted">
        Tools come first in Claude&apos;s cache order (tools, system, messages): a breakpoint on the last tool caches every definition, and the system and
        message figures below count from after them.
      </p>
      {tools.length === 0 ? <p className="text-xs text-fg-muted">No tools: Claude answers with text only.</p> : null}
      <ol className="space-y-3">
        {tools.map((t, i) => {
          const label = `Tool ${i + 1}`;
          const at = `modelConfig.tools.${i}`;
          const block = figures.blockAt.get(`tools.${i}`);
          const bp = figures.breakpointAt.get(`tools.${i}`);
          const showToggle = i === last || t.cache !== "off";
          return (
            <li
              key={t.id}
              id={`tool-${i}`}
              tabIndex={-1}
              {...drag.itemProps(i)}
              data-drag-item="tool"
              className={cx("rounded-md border p-2.5", errorAnchors.has(`tool-${i}`) ? "border-danger/50" : "border-border", dragItemClass(drag.itemProps(i)))}
              data-testid="tool-card"
            >
              <BlockToolbar
                label={label}
                index={i}
                count={tools.length}
                onMove={(to) => dispatch({ type: "moveTool", from: i, to })}
                onRemove={() => dispatch({ type: "removeTool", id: t.id })}
                drag={drag}
                testId={`drag-tool-${i}`}
              />
              <div className="grid grid-cols-1 gap-2 md:grid-cols-[minmax(0,14rem)_minmax(0,1fr)]">
                <div>
                  <label className={smallLabel} htmlFor={`tool-name-${i}`}>
                    Name
                  </label>
                  <input
                    id={`tool-name-${i}`}
                    value={t.name}
                    placeholder="lookup_order"
                    spellCheck={false}
                    onChange={(e) => dispatch({ type: "patchTool", id: t.id, patch: { name: e.target.value } })}
                    className={cx(inputClass, "font-mono text-xs")}
                    data-testid={`tool-name-${i}`}
                  />
                  <FieldIssues issues={issuesAt(issues, `${at}.name`)} testId={`tool-name-issues-${i}`} />
                </div>
                <div>
                  <label className={smallLabel} htmlFor={`tool-description-${i}`}>
                    Description <span className="font-normal">(Claude reads it to decide when to call the tool)</span>
                  </label>
                  <textarea
                    id={`tool-description-${i}`}
                    rows={2}
                    value={t.description}
                    placeholder="What the tool does, when to use it, what it returns"
                    onChange={(e) => dispatch({ type: "patchTool", id: t.id, patch: { description: e.target.value } })}
                    className={cx(inputClass, "h-auto py-1 text-xs")}
                    data-testid={`tool-description-${i}`}
                  />
                  <FieldIssues issues={issuesAt(issues, `${at}.description`)} testId={`tool-description-issues-${i}`} />
                </div>
              </div>
              <div className="mt-2">
                <span className={smallLabel}>input_schema (JSON Schema of the tool&apos;s input, an object)</span>
                <TemplateEditor
                  value={t.schemaText}
                  onChange={(schemaText) => dispatch({ type: "patchTool", id: t.id, patch: { schemaText } })}
                  label={`input_schema of ${label}`}
                  testId={`tool-schema-${i}`}
                  mode="json"
                />
                <FieldIssues issues={issuesAt(issues, `${at}.input_schema`)} testId={`tool-schema-issues-${i}`} />
              </div>
              <div className="mt-1.5 flex flex-wrap items-center gap-2 text-xxs text-fg-muted">
                {showToggle ? (
                  <CacheToggle
                    value={t.cache}
                    onChange={(cache) =>
                      i === last ? dispatch({ type: "setToolsCache", cache }) : dispatch({ type: "patchTool", id: t.id, patch: { cache, cacheRaw: undefined } })
                    }
                    label={i === last ? "the tools (on the last tool)" : label}
                  />
                ) : null}
                <span data-testid={`tokens-tools.${i}`}>
                  ~{block?.tokens ?? 0} tokens · prefix ~{block?.prefixTokens ?? 0} <span className="italic">(estimate)</span>
                </span>
                {bp ? (
                  <Badge tone={bp.meetsMinimum ? "success" : "warning"} data-testid={`breakpoint-tools.${i}`} data-counted={bp.counted ? "true" : "false"}>
                    cached prefix {bp.counted ? "" : "~"}
                    {bp.prefixTokens.toLocaleString("en")} tokens{min ? ` / min ${min.toLocaleString("en")}` : ""} (
                    {bp.counted ? "counted by the API" : "estimate"})
                  </Badge>
                ) : null}
              </div>
              <FieldIssues issues={issuesAt(issues, `${at}.cache_control`, `tools.${i}`)} testId={`tool-cache-issues-${i}`} />
            </li>
          );
        })}
      </ol>
      {tools.length > 0 && !lastBp ? (
        <p className="mt-2 text-xxs text-fg-muted">
          Tip: the tool definitions are the same on every call; a breakpoint on the last tool lets later calls read them from the cache.
        </p>
      ) : null}

      <div className="mt-3 grid grid-cols-1 gap-2 border-t border-border pt-3 md:grid-cols-[12rem_minmax(0,1fr)]">
        <div>
          <label className={smallLabel} htmlFor="tool-choice">
            tool_choice
          </label>
          <select
            id="tool-choice"
            value={doc.toolChoice}
            onChange={(e) => dispatch({ type: "set", patch: { toolChoice: CHOICES.find((c) => c.value === e.target.value)?.value ?? "" } })}
            className={inputClass}
            data-testid="tool-choice"
          >
            {CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          {doc.toolChoice === "tool" ? (
            <>
              <label className={smallLabel} htmlFor="tool-choice-name">
                Tool Claude must call
              </label>
              <select
                id="tool-choice-name"
                value={doc.toolChoiceName}
                onChange={(e) => dispatch({ type: "set", patch: { toolChoiceName: e.target.value } })}
                className={cx(inputClass, "font-mono text-xs")}
                data-testid="tool-choice-name"
              >
                {!tools.some((t) => t.name === doc.toolChoiceName) ? <option value={doc.toolChoiceName}>{doc.toolChoiceName || "choose a tool"}</option> : null}
                {tools
                  .filter((t) => t.name.trim() !== "")
                  .map((t) => (
                    <option key={t.id} value={t.name}>
                      {t.name}
                    </option>
                  ))}
              </select>
            </>
          ) : null}
          <p className="text-xxs text-fg-muted">{choiceHint}</p>
          {doc.toolChoice !== "" && doc.toolChoice !== "none" ? (
            <label className="flex items-center gap-1.5 text-xxs text-fg-muted">
              <input
                type="checkbox"
                checked={doc.disableParallel === true}
                onChange={(e) => dispatch({ type: "set", patch: { disableParallel: e.target.checked ? true : undefined } })}
              />
              disable_parallel_tool_use (at most one tool call per answer)
            </label>
          ) : null}
          <FieldIssues issues={issuesAt(issues, "modelConfig.tool_choice")} testId="tool-choice-issues" />
        </div>
      </div>
    </Card>
  );
}
