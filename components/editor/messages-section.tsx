"use client";

import type { Dispatch } from "react";
import { Button, Card, cx } from "@/components/ui";
import { BlockFooter } from "./block-footer";
import { BlockToolbar, dragItemClass, IconButton, useDragReorder } from "./block-toolbar";
import type { EditorEdit } from "./editor-edits";
import { anchorForPath, newId, type CacheFigures, type TurnState } from "./editor-model";
import { TemplateEditor } from "./template-editor";

const turnRoles = [
  { value: "user", label: "user" },
  { value: "assistant", label: "assistant" },
] as const;
const turnRolesLast = [
  { value: "user", label: "user" },
  { value: "assistant", label: "assistant (prefill)" },
] as const;

/** The message turns (a final assistant turn is a prefill), reorderable, each with one or more template blocks. */
export function MessagesSection({
  turns,
  figures,
  errorAnchors,
  dispatch,
}: {
  turns: TurnState[];
  figures: CacheFigures;
  errorAnchors: ReadonlySet<string>;
  dispatch: Dispatch<EditorEdit>;
}) {
  const drag = useDragReorder("message-turn", (from, to) => dispatch({ type: "moveTurn", from, to }));
  return (
    <Card className="p-4">
      <div className="mb-2 flex items-center justify-between">
        <h2 className="text-sm font-semibold">Messages</h2>
        <Button size="sm" variant="ghost" onClick={() => dispatch({ type: "addTurn", id: newId("t"), blockId: newId("b") })} data-testid="add-turn">
          + Turn
        </Button>
      </div>
      <ol className="space-y-3">
        {turns.map((t, i) => {
          const label = `Turn ${i + 1}`;
          return (
            <li
              key={t.id}
              {...drag.itemProps(i)}
              data-drag-item="turn"
              className={cx("rounded-md border border-border p-2.5", dragItemClass(drag.itemProps(i)))}
              data-testid="message-turn"
            >
              <BlockToolbar
                label={label}
                index={i}
                count={turns.length}
                role={t.role}
                roles={i === turns.length - 1 ? turnRolesLast : turnRoles}
                onRole={(role) => dispatch({ type: "setTurnRole", id: t.id, role })}
                onMove={(to) => dispatch({ type: "moveTurn", from: i, to })}
                onRemove={() => dispatch({ type: "removeTurn", id: t.id })}
                drag={drag}
                testId={`drag-turn-${i}`}
              >
                <IconButton label={`Add a block to ${label}`} onClick={() => dispatch({ type: "addTurnBlock", turnId: t.id, id: newId("b") })}>
                  +
                </IconButton>
              </BlockToolbar>
              <div className="space-y-2">
                {t.blocks.map((b, j) => {
                  const location = `messages.${i}.content.${j}`;
                  const blockLabel = t.blocks.length > 1 ? `${label} block ${j + 1}` : `${label} (${t.role})`;
                  return (
                    <div
                      key={b.id}
                      id={`block-messages-${i}-${j}`}
                      tabIndex={-1}
                      className={cx(errorAnchors.has(anchorForPath(location)) && "rounded-md ring-1 ring-danger/50")}
                      data-testid="message-block"
                    >
                      {t.blocks.length > 1 ? (
                        <div className="mb-1 flex items-center text-xxs text-fg-muted">
                          block {j + 1}
                          <span className="ml-auto flex">
                            <IconButton
                              label={`Move ${blockLabel} up`}
                              disabled={j === 0}
                              onClick={() => dispatch({ type: "moveTurnBlock", turnId: t.id, from: j, to: j - 1 })}
                            >
                              ↑
                            </IconButton>
                            <IconButton label={`Remove ${blockLabel}`} onClick={() => dispatch({ type: "removeTurnBlock", turnId: t.id, id: b.id })}>
                              ✕
                            </IconButton>
                          </span>
                        </div>
                      ) : null}
                      <TemplateEditor
                        value={b.text}
                        onChange={(text) => dispatch({ type: "patchTurnBlock", turnId: t.id, id: b.id, patch: { text } })}
                        label={blockLabel}
                        testId={`editor-${location}`}
                      />
                      <div className="mt-1.5">
                        <BlockFooter
                          location={location}
                          block={b}
                          onPatch={(patch) => dispatch({ type: "patchTurnBlock", turnId: t.id, id: b.id, patch })}
                          label={blockLabel}
                          figures={figures}
                        />
                      </div>
                    </div>
                  );
                })}
              </div>
            </li>
          );
        })}
      </ol>
    </Card>
  );
}
