import Link from "next/link";
import { formatRelative } from "@/components/format";
import { Badge } from "@/components/ui";
import type { ReleaseRequestView } from "@/lib/prompts/release-requests";
import { ReleaseStatusBadge } from "./release-evidence-view";

/** Release requests as rows (the project inbox and the prompt page): prompt, label move, who, why, status. */
export function ReleaseRequestList({
  project,
  requests,
  showPrompt = true,
  now,
}: {
  project: string;
  requests: ReleaseRequestView[];
  showPrompt?: boolean;
  now: Date;
}) {
  return (
    <ul className="divide-y divide-border" data-testid="release-requests">
      {requests.map((r) => (
        <li key={r.id} data-testid="release-request-row" data-status={r.status}>
          <Link href={`/p/${project}/releases/${r.id}`} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2.5 text-sm hover:bg-muted/50">
            <ReleaseStatusBadge status={r.status} />
            {showPrompt ? <span className="font-mono font-medium">{r.prompt}</span> : null}
            <span>
              <span className="font-mono">{r.label}</span>: <span className="font-mono text-fg-muted">{r.fromVersion ? `v${r.fromVersion}` : "new"}</span> →{" "}
              <span className="font-mono font-medium">v{r.version}</span>
            </span>
            {r.plan ? (
              <Badge tone="accent" data-testid="release-request-mode">
                {r.plan.kind === "rollout" ? `canary ${r.plan.steps.join(" → ")} %` : `promotes ${r.plan.variant}`}
              </Badge>
            ) : null}
            <span className="min-w-0 flex-1 truncate text-fg-muted" title={r.reason}>
              {r.reason}
            </span>
            <span className="text-xs text-fg-muted">
              {r.requestedBy}, {formatRelative(new Date(r.createdAt), now)}
              {r.decidedBy ? ` · ${r.status} by ${r.decidedBy}` : ""}
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
