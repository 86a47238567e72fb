import { Badge } from "@/components/ui";
import type { BatchItemStatus, BatchJobStatus } from "@/lib/batch-jobs/schemas";

/** Pieces the batch job list and the job page share: the status badge and the counts per outcome. */

const tone = { queued: "neutral", running: "accent", completed: "success", failed: "danger", canceled: "warning" } as const;

export function BatchStatusBadge({ status }: { status: BatchJobStatus }) {
  return (
    <Badge tone={tone[status]} data-testid="batch-status">
      {status}
    </Badge>
  );
}

/** The outcomes in the order shown, with how each reads. */
export const OUTCOMES: ReadonlyArray<{ key: BatchItemStatus; label: string; className: string }> = [
  { key: "succeeded", label: "succeeded", className: "text-success" },
  { key: "errored", label: "errored", className: "text-danger" },
  { key: "expired", label: "expired", className: "text-warning" },
  { key: "canceled", label: "canceled", className: "text-fg-muted" },
  { key: "pending", label: "pending", className: "text-fg-muted" },
];

/** "12 succeeded · 1 errored" (outcomes with none left out; "no items" when all are zero). */
export function OutcomeCounts({ counts }: { counts: Record<BatchItemStatus, number> }) {
  const shown = OUTCOMES.filter((o) => counts[o.key] > 0);
  if (shown.length === 0) return <span className="text-fg-muted">no items</span>;
  return (
    <span className="flex flex-wrap gap-x-2 text-xs tabular-nums" data-testid="batch-counts">
      {shown.map((o) => (
        <span key={o.key} className={o.className} data-testid={`batch-count-${o.key}`}>
          {counts[o.key].toLocaleString("en-US")} {o.label}
        </span>
      ))}
    </span>
  );
}
