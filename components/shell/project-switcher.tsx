"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { CheckIcon, ChevronDownIcon } from "@/components/icons";
import { Menu, menuItemClass } from "@/components/shell/menu";

export interface SwitcherProject {
  slug: string;
  name: string;
  role: string;
}

/** Lists the user's projects (switching keeps the current section: prompts, metrics, ...) and links to a new one. */
export function ProjectSwitcher({ current, projects }: { current: SwitcherProject; projects: SwitcherProject[] }) {
  const pathname = usePathname();
  const section = pathname.split("/")[3] ?? "prompts";
  return (
    <Menu
      label="Switch project"
      testId="project-switcher"
      trigger={
        <>
          <span className="flex size-6 items-center justify-center rounded bg-muted text-xs font-semibold text-fg-muted">
            {current.name.charAt(0).toUpperCase()}
          </span>
          <span className="max-w-48 truncate font-medium">{current.name}</span>
          <ChevronDownIcon className="text-fg-muted" />
        </>
      }
    >
      <div className="px-2 pt-1 pb-1.5 text-xxs font-medium tracking-wide text-fg-muted uppercase">Projects</div>
      {projects.map((p) => (
        <Link key={p.slug} href={`/p/${p.slug}/${section}`} role="menuitem" className={menuItemClass}>
          <span className="flex-1 truncate">{p.name}</span>
          <span className="text-xxs text-fg-muted">{p.role.toLowerCase()}</span>
          {p.slug === current.slug ? <CheckIcon className="text-accent" /> : <span className="w-4" />}
        </Link>
      ))}
      <div className="my-1 border-t border-border" />
      <Link href={`/projects/new?from=${encodeURIComponent(current.slug)}`} role="menuitem" className={menuItemClass} data-testid="new-project-link">
        <span className="flex-1">New project…</span>
      </Link>
    </Menu>
  );
}
