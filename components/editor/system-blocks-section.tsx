"use client";

import type { Dispatch } from "react";
import { Button, Card, cx } from "@/components/ui";
import { systemBlockRoleSchema } from "@/lib/prompts/schemas";
import { BlockFooter } from "./block-footer";
import { BlockToolbar, dragItemClass, useDragReorder } from "./block-toolbar";
import type { EditorEdit } from "./editor-edits";
import { anchorForPath, newId, type CacheFigures, type SystemBlockState, type TokenSource } from "./editor-model";
import { TemplateEditor } from "./template-editor";

const systemRoles = systemBlockRoleSchema.options.map((r) => ({ value: r, label: r }));

/** The system prompt: its blocks (role, template, cache breakpoint), reorderable, with where the token figures come from. */
export function SystemBlocksSection({
  blocks,
  tokenSource,
  figures,
  errorAnchors,
  dispatch,
}: {
  blocks: SystemBlockState[];
  tokenSource: TokenSource;
  figures: CacheFigures;
  errorAnchors: ReadonlySet<string>;
  dispatch: Dispatch<EditorEdit>;
}) {
  const drag = useDragReorder("system-block", (from, to) => dispatch({ type: "moveSystemBlock", from, to }));
  return (
    <Card className="p-4" id="section-blocks">
      <div className="mb-2 flex items-center justify-between">
        <h2 className="text-sm font-semibold">System</h2>
        <Button size="sm" variant="ghost" onClick={() => dispatch({ type: "addSystemBlock", id: newId("s") })} data-testid="add-system-block">
          + System block
        </Button>
      </div>
      <p className="mb-2 text-xxs text-fg-muted">
        Token counts:{" "}
        <span className={cx(tokenSource.kind === "counted" ? "font-medium text-success" : "italic")} data-testid="token-source" data-kind={tokenSource.kind}>
          {tokenSource.note}
        </span>
        {tokenSource.kind === "estimate"
          ? " (per block, always estimated: ceil(characters / 3.5) + framing)"
          : " for the cached prefixes and the total; per-block figures are estimates"}
      </p>
      {blocks.length === 0 ? <p className="text-xs text-fg-muted">No system prompt.</p> : null}
      <ol className="space-y-3">
        {blocks.map((b, i) => {
          const location = `system.${i}`;
          const label = `System block ${i + 1}`;
          return (
            <li
              key={b.id}
              id={`block-system-${i}`}
              tabIndex={-1}
              {...drag.itemProps(i)}
              data-drag-item="system"
              className={cx(
                "rounded-md border p-2.5",
                errorAnchors.has(anchorForPath(location)) ? "border-danger/50" : "border-border",
                dragItemClass(drag.itemProps(i)),
              )}
              data-testid="system-block"
            >
              <BlockToolbar
                label={label}
                index={i}
                count={blocks.length}
                role={b.role}
                roles={systemRoles}
                onRole={(role) => dispatch({ type: "patchSystemBlock", id: b.id, patch: { role } })}
                onMove={(to) => dispatch({ type: "moveSystemBlock", from: i, to })}
                onRemove={() => dispatch({ type: "removeSystemBlock", id: b.id })}
                drag={drag}
                testId={`drag-system-${i}`}
              />
              <TemplateEditor
                value={b.text}
                onChange={(text) => dispatch({ type: "patchSystemBlock", id: b.id, patch: { text } })}
                label={label}
                testId={`editor-${location}`}
              />
              <div className="mt-1.5">
                <BlockFooter
                  location={location}
                  block={b}
                  onPatch={(patch) => dispatch({ type: "patchSystemBlock", id: b.id, patch })}
                  label={label}
                  figures={figures}
                />
              </div>
            </li>
          );
        })}
      </ol>
    </Card>
  );
}
