import Link from "next/link";
import type { ReactNode } from "react";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole, roleLabel } from "@/lib/projects/roles";
import { listProjectsForUser } from "@/lib/projects/queries";
import { countOpenReleaseRequests } from "@/lib/prompts/release-requests";
import { LogoMark } from "@/components/icons";
import { SidebarNav } from "@/components/shell/sidebar-nav";
import { ProjectSwitcher } from "@/components/shell/project-switcher";
import { UserMenu } from "@/components/shell/user-menu";

export const dynamic = "force-dynamic";

// /p/:project/* - the dashboard shell: sidebar, project switcher, user menu.
export default async function ProjectLayout({ children, params }: { children: ReactNode; params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const [projects, openReleases] = await Promise.all([listProjectsForUser(access.user.id), countOpenReleaseRequests(access.project.id)]);
  const current = { slug: access.project.slug, name: access.project.name, role: access.role };

  return (
    <div className="flex min-h-screen">
      <aside className="sticky top-0 flex h-screen w-52 shrink-0 flex-col border-r border-border bg-surface">
        <Link href="/" className="flex h-12 items-center gap-2 border-b border-border px-4">
          <LogoMark />
          <span className="text-sm font-semibold tracking-tight">Promptdeck</span>
        </Link>
        <div className="flex-1 overflow-y-auto p-2">
          <SidebarNav projectSlug={access.project.slug} isAdmin={hasRole(access.role, "ADMIN")} counts={{ releases: openReleases }} />
        </div>
        <div className="border-t border-border px-4 py-3 text-xxs text-fg-muted">
          Your role here: <span className="font-medium text-fg">{roleLabel(access.role)}</span>
        </div>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-40 flex h-12 items-center justify-between border-b border-border bg-surface/95 px-4 backdrop-blur">
          <ProjectSwitcher current={current} projects={projects} />
          <UserMenu name={access.user.name} email={access.user.email} role={access.role} />
        </header>
        <main className="mx-auto w-full max-w-6xl flex-1 px-6 py-6">{children}</main>
      </div>
    </div>
  );
}
