import { Badge } from "@/components/ui";

const tone = { DRAFT: "neutral", RUNNING: "success", PAUSED: "warning", COMPLETED: "accent" } as const;

export function StatusBadge({ status }: { status: "DRAFT" | "RUNNING" | "PAUSED" | "COMPLETED" }) {
  return (
    <Badge tone={tone[status]} data-testid="experiment-status">
      {status.toLowerCase()}
    </Badge>
  );
}
