import type { ReactNode } from "react";
import { Card } from "@/components/ui";

/** A metrics table with its title and the CSV export of the same figures. */
export function MetricsTableCard({ title, csvHref, csvTestId, children }: { title: string; csvHref: string; csvTestId?: string; children: ReactNode }) {
  return (
    <Card>
      <div className="flex items-center justify-between border-b border-border px-3 py-2">
        <h2 className="text-sm font-semibold">{title}</h2>
        <a className="text-xs text-accent hover:underline" data-testid={csvTestId} href={csvHref} download>
          Export CSV
        </a>
      </div>
      <div className="overflow-x-auto">{children}</div>
    </Card>
  );
}
