"use client";

import type { Dispatch, ReactNode } from "react";
import { Button, Card, cx } from "@/components/ui";
import type { ModelSpec } from "@/lib/models/catalog";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { BlockFooter } from "./block-footer";
import { BlockToolbar, dragItemClass, IconButton, useDragReorder } from "./block-toolbar";
import type { EditorEdit } from "./editor-edits";
import { anchorForPath, newId, type CacheFigures, type EditorIssue, type TurnState, type VariableState } from "./editor-model";
import { HistorySlot } from "./history-slot";
import { TemplateEditor } from "./template-editor";

const turnRoles = [
  { value: "user", label: "user" },
  { value: "assistant", label: "assistant" },
] as const;
const turnRolesLast = [
  { value: "user", label: "user" },
  { value: "assistant", label: "assistant (prefill)" },
] as const;

/** A name for a new chat history that no variable has yet: history, history_2, ... */
export function newHistoryName(variables: readonly Pick<VariableState, "name">[]): string {
  const taken = new Set(variables.map((v) => v.name.trim()));
  if (!taken.has("history")) return "history";
  let n = 2;
  while (taken.has(`history_${n}`)) n++;
  return `history_${n}`;
}

/**
 * The message turns (a final assistant turn is a prefill), reorderable, each with one or more
 * template blocks, and the chat histories (`messages` variables) at their positions among them.
 */
export function MessagesSection({
  turns,
  figures,
  errorAnchors,
  dispatch,
  variables = [],
  content,
  spec,
  issues = [],
}: {
  turns: TurnState[];
  figures: CacheFigures;
  errorAnchors: ReadonlySet<string>;
  dispatch: Dispatch<EditorEdit>;
  /** Every variable; the `messages` ones are shown as chat histories among the turns. */
  variables?: readonly VariableState[];
  /** The content the histories' cost preview prices (with `spec`). */
  content?: PromptVersionContent;
  spec?: ModelSpec;
  issues?: readonly EditorIssue[];
}) {
  const drag = useDragReorder("message-turn", (from, to) => dispatch({ type: "moveTurn", from, to }));
  const histories = variables.filter((v) => v.type === "messages");
  const slotsAt = (position: number, last: boolean): ReactNode[] =>
    content
      ? histories
          .filter((h) => (last ? h.position >= position : h.position === position))
          .map((h) => <HistorySlot key={h.id} variable={h} turns={turns} content={content} spec={spec} issues={issues} dispatch={dispatch} />)
      : [];
  // A new history goes before the last user turn (the new message), else after the last turn.
  const addHistory = () =>
    dispatch({
      type: "addHistory",
      id: newId("v"),
      name: newHistoryName(variables),
      position: turns.at(-1)?.role === "user" ? turns.length - 1 : turns.length,
    });
  return (
    <Card className="p-4">
      <div className="mb-2 flex items-center justify-between">
        <h2 className="text-sm font-semibold">Messages</h2>
        <span className="flex gap-1">
          {content ? (
            <Button size="sm" variant="ghost" onClick={addHistory} data-testid="add-history">
              + Chat history
            </Button>
          ) : null}
          <Button size="sm" variant="ghost" onClick={() => dispatch({ type: "addTurn", id: newId("t"), blockId: newId("b") })} data-testid="add-turn">
            + Turn
          </Button>
        </span>
      </div>
      <ol className="space-y-3">
        {turns.flatMap((t, i) => {
          const label = `Turn ${i + 1}`;
          return [
            ...slotsAt(i, false),
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
            </li>,
          ];
        })}
        {slotsAt(turns.length, true)}
      </ol>
    </Card>
  );
}
