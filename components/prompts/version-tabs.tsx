import Link from "next/link";
import { cx } from "@/components/ui";

/** The tabs of a version page: its content, and the length audit (`.../versions/<v>/audit`). */
export function VersionTabs({ base, active }: { base: string; active: "content" | "audit" }) {
  const tabs = [
    { key: "content", label: "Content", href: base },
    { key: "audit", label: "Length audit", href: `${base}/audit` },
  ] as const;
  return (
    <nav className="mb-4 flex gap-1 border-b border-border" aria-label="Version" data-testid="version-tabs">
      {tabs.map((t) => (
        <Link
          key={t.key}
          href={t.href}
          aria-current={t.key === active ? "page" : undefined}
          data-testid={`version-tab-${t.key}`}
          className={cx(
            "-mb-px border-b-2 px-3 py-1.5 text-sm",
            t.key === active ? "border-accent font-medium text-fg" : "border-transparent text-fg-muted hover:text-fg",
          )}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
