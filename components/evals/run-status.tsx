import { Badge, cx } from "@/components/ui";
import type { EvalStatus } from "./contract";

const tone = { queued: "neutral", running: "accent", completed: "success", failed: "danger", canceled: "warning" } as const;

export function EvalStatusBadge({ status, cancelRequested = false }: { status: EvalStatus; cancelRequested?: boolean }) {
  const text = cancelRequested && (status === "queued" || status === "running") ? "canceling" : status;
  return (
    <Badge tone={tone[status]} data-testid="eval-status">
      {text}
    </Badge>
  );
}

/** Done / total as a bar with the figures beside it; `phase` says what the job is doing. */
export function EvalProgress({ done, total, phase, compact = false }: { done: number; total: number; phase?: string; compact?: boolean }) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div className={cx("flex items-center gap-2", compact ? "min-w-32" : "w-full")} data-testid="eval-progress">
      <div
        className={cx("flex-1 overflow-hidden rounded-full bg-muted", compact ? "h-1.5" : "h-2.5")}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-label="Progress"
      >
        <div className="h-full rounded-full bg-accent transition-[width] duration-500" style={{ width: `${pct}%` }} />
      </div>
      <span className="shrink-0 text-xs text-fg-muted tabular-nums">
        {done.toLocaleString("en-US")} / {total.toLocaleString("en-US")}
        {phase && !compact ? ` · ${phase}` : ""}
      </span>
    </div>
  );
}
