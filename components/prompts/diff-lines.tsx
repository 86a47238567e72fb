import { wordLines, type LineChange } from "@/lib/prompts/diff";
import { cx } from "@/components/ui";

/** The display lines of one run: its words cut at newlines when it has a word diff, else its text lines. */
function runLines(l: LineChange): { words: { type: LineChange["type"]; value: string }[] }[] {
  if (l.words) return wordLines(l.words).map((words) => ({ words }));
  const text = l.value.endsWith("\n") ? l.value.slice(0, -1) : l.value;
  return text.split("\n").map((line) => ({ words: line ? [{ type: l.type, value: line }] : [] }));
}

/**
 * A line diff (`diffText` in lib/prompts/diff.ts) as one side of a side-by-side view, or both
 * sides merged: removed lines tinted red, added lines green, and within lines edited in place
 * the words that changed marked (struck through in red, or underlined in green). Used by the
 * version diff page and by the eval results (outputs of two versions for one item).
 */
export function DiffLines({ lines, side }: { lines: LineChange[]; side: "before" | "after" | "both" }) {
  return (
    <pre className="overflow-x-auto font-mono text-[12px] leading-[1.5]">
      {lines.map((l, i) => {
        if (side === "before" && l.type === "added") return null;
        if (side === "after" && l.type === "removed") return null;
        return runLines(l).map((line, k) => (
          <div
            key={`${i}-${k}`}
            className={cx("px-2 whitespace-pre-wrap", l.type === "added" && "bg-success/10", l.type === "removed" && "bg-danger/10")}
            data-change={l.type}
          >
            <span className="mr-2 inline-block w-3 text-fg-muted select-none">{l.type === "added" ? "+" : l.type === "removed" ? "−" : " "}</span>
            {line.words.length === 0
              ? " "
              : line.words.map((w, n) =>
                  w.type === "unchanged" ? (
                    <span key={n}>{w.value}</span>
                  ) : (
                    <span
                      key={n}
                      data-word={w.type}
                      className={cx(
                        "rounded-sm",
                        w.type === "added" && "bg-success/30 text-fg",
                        w.type === "removed" && "bg-danger/30 text-fg line-through decoration-danger/60",
                      )}
                    >
                      {w.value}
                    </span>
                  ),
                )}
          </div>
        ));
      })}
    </pre>
  );
}
