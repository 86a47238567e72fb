"use client";

import { Badge, Button, Card, cx } from "@/components/ui";
import { anchorForPath, type EditorIssue } from "./editor-model";
import { describeLocation } from "@/lib/prompts/locations";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

/** Scrolls to the editor element an issue points at and focuses its text editor or first field. */
function jumpTo(path: string) {
  const el = document.getElementById(anchorForPath(path));
  if (!el) return;
  el.scrollIntoView({ behavior: "smooth", block: "center" });
  const focusable = el.querySelector<HTMLElement>(".cm-content, input, select, textarea");
  (focusable ?? el).focus({ preventScroll: true });
}

/** Every problem of the draft (errors, then warnings as collected), each a link to where it is, named as the editor names it ("System block 2", "Turn 1"). */
export function ValidationPanel({
  issues,
  content,
  undeclared = [],
  onDeclareAll,
}: {
  issues: EditorIssue[];
  content?: Pick<PromptVersionContent, "messages">;
  /** Placeholders the templates use that the contract lacks: "Declare all" adds them in one click. */
  undeclared?: string[];
  onDeclareAll?: () => void;
}) {
  const errorsCount = issues.filter((i) => i.severity === "error").length;
  const warningCount = issues.length - errorsCount;
  return (
    <Card className="p-3" data-testid="validation-panel">
      <h2 className="mb-1.5 flex items-center gap-2 text-sm font-semibold">
        Validation
        {errorsCount > 0 ? (
          <Badge tone="danger">
            {errorsCount} error{errorsCount === 1 ? "" : "s"}
          </Badge>
        ) : (
          <Badge tone="success">ready to publish</Badge>
        )}
        {warningCount > 0 ? (
          <Badge tone="warning">
            {warningCount} warning{warningCount === 1 ? "" : "s"}
          </Badge>
        ) : null}
      </h2>
      {undeclared.length > 0 && onDeclareAll ? (
        <div className="mb-1.5 flex items-center justify-between gap-2 rounded-md border border-border bg-muted/40 px-2 py-1.5 text-xs">
          <span className="min-w-0 truncate" title={undeclared.join(", ")}>
            {undeclared.length} undeclared variable{undeclared.length === 1 ? "" : "s"}: <span className="font-mono">{undeclared.join(", ")}</span>
          </span>
          <Button size="sm" variant="primary" className="shrink-0" onClick={onDeclareAll} data-testid="declare-all">
            Declare all
          </Button>
        </div>
      ) : null}
      {issues.length === 0 ? <p className="text-xs text-fg-muted">No problems: templates match the contract and the cache breakpoints are usable.</p> : null}
      <ul className="space-y-1">
        {issues.map((i, k) => (
          <li key={`${i.path}-${k}`}>
            <button
              type="button"
              onClick={() => jumpTo(i.path)}
              className={cx("w-full rounded px-1.5 py-1 text-left text-xs hover:bg-muted", i.severity === "error" ? "text-danger" : "text-warning")}
              data-testid={`issue-${i.severity}`}
            >
              <span className="text-xxs font-medium opacity-80" title={i.path || undefined}>
                {describeLocation(i.path, content)}
              </span>{" "}
              {i.message}
            </button>
          </li>
        ))}
      </ul>
    </Card>
  );
}
