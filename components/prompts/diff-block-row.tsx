import { Badge } from "@/components/ui";
import { describeLocation } from "@/lib/prompts/locations";
import type { BlockChange } from "@/lib/prompts/diff";
import { DiffLines as Lines } from "./diff-lines";

/** One system or message block of a version diff: unchanged (collapsed), added, removed or changed side by side. */
export function DiffBlockRow({ change }: { change: BlockChange }) {
  if (change.type === "unchanged") {
    const lineCount = change.after.text.split("\n").length;
    return (
      <details className="rounded-md border border-border" data-testid="diff-block" data-change="unchanged">
        <summary className="flex cursor-pointer items-center gap-2 bg-muted/40 px-2 py-1 text-xxs">
          <Badge>unchanged</Badge>
          <span className="font-medium">{describeLocation(change.after.location)}</span>
          <span className="text-fg-muted">{change.after.role}</span>
          <span className="text-fg-muted">
            {lineCount} line{lineCount === 1 ? "" : "s"} (click to show)
          </span>
          {change.after.cacheControl ? <span className="ml-auto text-fg-muted">cache {change.after.cacheControl}</span> : null}
        </summary>
        <Lines lines={[{ type: "unchanged", value: change.after.text, count: lineCount }]} side="both" />
      </details>
    );
  }
  const before = change.type === "added" ? null : change.before;
  const after = change.type === "removed" ? null : change.after;
  const lines = change.lines;
  const tone = change.type === "added" ? "success" : change.type === "removed" ? "danger" : "warning";
  return (
    <div className="rounded-md border border-border" data-testid="diff-block" data-change={change.type}>
      <div className="flex items-center gap-2 border-b border-border bg-muted/40 px-2 py-1 text-xxs">
        <Badge tone={tone}>{change.type}</Badge>
        <span className="font-medium">{describeLocation((after ?? before)?.location ?? "")}</span>
        <span className="text-fg-muted">{(after ?? before)?.role}</span>
        {change.type === "changed" && change.fields.length > 0 ? <span className="text-fg-muted">changed: {change.fields.join(", ")}</span> : null}
        {(after ?? before)?.cacheControl ? <span className="ml-auto text-fg-muted">cache {(after ?? before)?.cacheControl}</span> : null}
      </div>
      <div className="grid grid-cols-2 divide-x divide-border">
        <div className="min-w-0 py-1">{before ? <Lines lines={lines} side="before" /> : <p className="px-2 text-xs text-fg-muted italic">not present</p>}</div>
        <div className="min-w-0 py-1">{after ? <Lines lines={lines} side="after" /> : <p className="px-2 text-xs text-fg-muted italic">removed</p>}</div>
      </div>
    </div>
  );
}
