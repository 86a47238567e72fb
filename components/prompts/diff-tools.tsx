import { Badge, Card } from "@/components/ui";
import type { DiffReason, HistoryChange, ToolsDiff } from "@/lib/prompts/diff";
import type { ToolChoice } from "@/lib/prompts/tools";
import { DiffLines } from "./diff-lines";

const TONE = { added: "success", removed: "danger", changed: "warning", moved: "warning" } as const;
const BUMP_TONE = { major: "danger", minor: "accent", patch: "neutral" } as const;

/** The semver findings of one change, each with its level ("major: tool "x" removed"). */
function Reasons({ reasons }: { reasons: readonly DiffReason[] }) {
  if (reasons.length === 0) return null;
  return (
    <ul className="space-y-0.5 px-3 py-1.5 text-xxs" data-testid="diff-change-reasons">
      {reasons.map((r) => (
        <li key={`${r.bump}-${r.message}`} className="flex items-start gap-1.5">
          <Badge tone={BUMP_TONE[r.bump]}>{r.bump}</Badge>
          <span className="text-fg-muted">{r.message}</span>
        </li>
      ))}
    </ul>
  );
}

const choiceText = (c?: ToolChoice): string =>
  !c
    ? "unset (auto)"
    : `${c.type === "tool" ? `tool ${c.name}` : c.type}${"disable_parallel_tool_use" in c && c.disable_parallel_tool_use ? ", no parallel calls" : ""}`;

/**
 * The tools section of the version diff: each added, removed or changed tool with a line diff of
 * its input_schema and the semver reasons it contributes, the tool order, and tool_choice.
 */
export function DiffToolsCard({ tools }: { tools: ToolsDiff }) {
  const orderChanged = tools.order.before.join(",") !== tools.order.after.join(",");
  return (
    <Card className="p-4" data-testid="diff-tools">
      <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
        Tools {tools.changed ? <Badge tone="warning">changed</Badge> : <Badge>unchanged</Badge>}
      </h2>
      {!tools.changed ? (
        <p className="text-xs text-fg-muted">
          Same tools{tools.order.after.length > 0 ? ` (${tools.order.after.join(", ")})` : " (none)"} and tool_choice ({choiceText(tools.toolChoice.after)}).
        </p>
      ) : null}
      <div className="space-y-2">
        {tools.changes.map((c) => (
          <div key={c.name} className="rounded-md border border-border" data-testid="diff-tool" data-tool={c.name} data-change={c.type}>
            <div className="flex flex-wrap items-center gap-1.5 border-b border-border px-3 py-1.5 text-xs">
              <Badge tone={TONE[c.type]}>{c.type}</Badge>
              <span className="font-mono font-medium">{c.name}</span>
              {c.fields.length > 0 ? <span className="text-fg-muted">{c.fields.join(", ")} changed</span> : null}
              {c.fields.includes("position") && c.before && c.after ? (
                <span className="text-fg-muted">
                  (tool {c.before.index + 1} → tool {c.after.index + 1})
                </span>
              ) : null}
            </div>
            {c.fields.includes("description") ? (
              <div className="grid grid-cols-2 gap-2 px-3 py-1.5 text-xs">
                <span className="bg-danger/10 px-1 line-through decoration-danger/60">{c.before?.description}</span>
                <span className="bg-success/10 px-1">{c.after?.description}</span>
              </div>
            ) : c.type !== "changed" ? (
              <p className="px-3 py-1.5 text-xs text-fg-muted">{(c.after ?? c.before)?.description}</p>
            ) : null}
            {c.fields.includes("cache_control") ? (
              <p className="px-3 py-1 text-xxs text-fg-muted">
                cache breakpoint: {c.before?.cacheControl ?? "none"} → {c.after?.cacheControl ?? "none"}
              </p>
            ) : null}
            {c.schemaLines.length > 0 ? (
              <div className="border-t border-border" data-testid="diff-tool-schema">
                <p className="px-3 pt-1 text-xxs font-medium text-fg-muted">input_schema</p>
                <DiffLines lines={c.schemaLines} side="both" />
              </div>
            ) : null}
            <Reasons reasons={c.reasons} />
          </div>
        ))}
      </div>
      {orderChanged ? (
        <p className="mt-2 text-xxs text-fg-muted" data-testid="diff-tools-order">
          Order: {tools.order.before.join(", ") || "none"} → {tools.order.after.join(", ") || "none"}
        </p>
      ) : null}
      <Reasons reasons={tools.reasons} />
      {tools.toolChoice.changed ? (
        <div className="mt-2 rounded-md border border-border" data-testid="diff-tool-choice">
          <p className="border-b border-border px-3 py-1.5 text-xs">
            <Badge tone="warning">changed</Badge> <span className="font-mono">tool_choice</span>:{" "}
            <span className="font-mono text-danger">{choiceText(tools.toolChoice.before)}</span> →{" "}
            <span className="font-mono text-success">{choiceText(tools.toolChoice.after)}</span>
          </p>
          <Reasons reasons={tools.toolChoice.reasons} />
        </div>
      ) : null}
    </Card>
  );
}

/** Where a history sits, in the words of the editor (turn count of that side). */
function placeText(position: number, turns: number): string {
  if (position === 0) return "before Turn 1";
  if (position >= turns) return `after Turn ${turns}`;
  return `between Turn ${position} and Turn ${position + 1}`;
}

/** Chat histories of the version diff: added, removed, moved among the turns, breakpoint changed, with the semver reasons. */
export function DiffHistoriesCard({ changes, turns }: { changes: readonly HistoryChange[]; turns: { before: number; after: number } }) {
  return (
    <Card className="p-4" data-testid="diff-histories">
      <h2 className="mb-2 flex items-center gap-2 text-sm font-semibold">
        Chat history {changes.length > 0 ? <Badge tone="warning">changed</Badge> : <Badge>unchanged</Badge>}
      </h2>
      {changes.length === 0 ? <p className="text-xs text-fg-muted">Same chat histories at the same places.</p> : null}
      <div className="space-y-2">
        {changes.map((c) => (
          <div key={c.name} className="rounded-md border border-border" data-testid="diff-history" data-history={c.name} data-change={c.type}>
            <div className="flex flex-wrap items-center gap-1.5 px-3 py-1.5 text-xs">
              <Badge tone={TONE[c.type]}>{c.type}</Badge>
              <span className="font-mono font-medium">{c.name}</span>
              <span className="text-fg-muted">
                {c.before ? `position ${c.before.position} (${placeText(c.before.position, turns.before)})` : "—"} →{" "}
                {c.after ? `position ${c.after.position} (${placeText(c.after.position, turns.after)})` : "—"}
              </span>
              {c.before && c.after && c.before.cacheControl !== c.after.cacheControl ? (
                <span className="text-fg-muted">
                  · breakpoint on its last message: {c.before.cacheControl ?? "none"} → {c.after.cacheControl ?? "none"}
                </span>
              ) : null}
            </div>
            <Reasons reasons={c.reasons} />
          </div>
        ))}
      </div>
    </Card>
  );
}
