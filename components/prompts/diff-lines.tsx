import type { LineChange } from "@/lib/prompts/diff";
import { cx } from "@/components/ui";

/**
 * A line diff (`diffText` in lib/prompts/diff.ts) as one side of a side-by-side view, or both
 * sides merged: removed lines struck through in red, added lines in green. Used by the version
 * diff page and by the eval results (outputs of two versions for one item).
 */
export function DiffLines({ lines, side }: { lines: LineChange[]; side: "before" | "after" | "both" }) {
  return (
    <pre className="overflow-x-auto font-mono text-[12px] leading-[1.5]">
      {lines.map((l, i) => {
        if (side === "before" && l.type === "added") return null;
        if (side === "after" && l.type === "removed") return null;
        const text = l.value.endsWith("\n") ? l.value.slice(0, -1) : l.value;
        return text.split("\n").map((line, k) => (
          <div
            key={`${i}-${k}`}
            className={cx(
              "px-2 whitespace-pre-wrap",
              l.type === "added" && "bg-success/15",
              l.type === "removed" && "bg-danger/15 line-through decoration-danger/40",
            )}
            data-change={l.type}
          >
            <span className="mr-2 inline-block w-3 text-fg-muted select-none">{l.type === "added" ? "+" : l.type === "removed" ? "−" : " "}</span>
            {line || " "}
          </div>
        ));
      })}
    </pre>
  );
}
