"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ComponentType, SVGProps } from "react";
import {
  AuditIcon,
  BatchesIcon,
  CallsIcon,
  DatasetsIcon,
  EvalsIcon,
  ExperimentsIcon,
  MetricsIcon,
  PromptsIcon,
  ReleasesIcon,
  SettingsIcon,
  UsersIcon,
} from "@/components/icons";
import { cx } from "@/components/ui";

const items: Array<{ segment: string; label: string; icon: ComponentType<SVGProps<SVGSVGElement>>; adminOnly?: boolean }> = [
  { segment: "prompts", label: "Prompts", icon: PromptsIcon },
  { segment: "releases", label: "Releases", icon: ReleasesIcon },
  { segment: "experiments", label: "Experiments", icon: ExperimentsIcon },
  { segment: "metrics", label: "Metrics", icon: MetricsIcon },
  { segment: "calls", label: "Calls", icon: CallsIcon },
  { segment: "datasets", label: "Datasets", icon: DatasetsIcon },
  { segment: "evals", label: "Evaluations", icon: EvalsIcon },
  { segment: "batches", label: "Batch jobs", icon: BatchesIcon },
  { segment: "members", label: "Members", icon: UsersIcon },
  { segment: "audit", label: "Audit log", icon: AuditIcon, adminOnly: true },
  { segment: "settings", label: "Settings", icon: SettingsIcon },
];

/**
 * Primary navigation of a project; highlights the section of the current path. Admin-only areas are
 * listed to admins only; `counts` puts a number beside a section (open release requests beside Releases).
 */
export function SidebarNav({
  projectSlug,
  isAdmin = false,
  counts = {},
}: {
  projectSlug: string;
  isAdmin?: boolean;
  counts?: Partial<Record<string, number>>;
}) {
  const pathname = usePathname();
  return (
    <nav aria-label="Project" className="flex flex-col gap-0.5">
      {items
        .filter((item) => isAdmin || !item.adminOnly)
        .map(({ segment, label, icon: Icon }) => {
          const href = `/p/${projectSlug}/${segment}`;
          const active = pathname === href || pathname.startsWith(`${href}/`);
          return (
            <Link
              key={segment}
              href={href}
              aria-current={active ? "page" : undefined}
              className={cx(
                "flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm font-medium transition-colors",
                active ? "bg-accent/10 text-accent" : "text-fg-muted hover:bg-muted hover:text-fg",
              )}
            >
              <Icon className="shrink-0" />
              {label}
              {counts[segment] ? (
                <span
                  className="ml-auto rounded-full bg-warning/15 px-1.5 text-xxs font-semibold text-warning"
                  data-testid={`nav-count-${segment}`}
                  title={`${counts[segment]} open`}
                >
                  {counts[segment]}
                </span>
              ) : null}
            </Link>
          );
        })}
    </nav>
  );
}
