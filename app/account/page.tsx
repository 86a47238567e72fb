import type { Metadata } from "next";
import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { listProjectsForUser } from "@/lib/projects/queries";
import { roleLabel } from "@/lib/projects/roles";
import { countSessions } from "@/lib/users/sessions";
import { LogoMark } from "@/components/icons";
import { Badge, Card, PageHeader } from "@/components/ui";
import { changeNameAction, changePasswordAction } from "./actions";
import { ChangeNameForm, ChangePasswordForm } from "./account-client";

export const metadata: Metadata = { title: "Account" };
export const dynamic = "force-dynamic";

// /account - the signed-in person's name, password and projects.
export default async function AccountPage() {
  const user = await requireUser();
  const [projects, sessions] = await Promise.all([listProjectsForUser(user.id), countSessions(user.id)]);
  const back = projects[0] ? `/p/${projects[0].slug}/prompts` : "/";
  return (
    <div className="min-h-screen">
      <header className="flex h-12 items-center justify-between border-b border-border bg-surface px-4">
        <Link href={back} className="flex items-center gap-2">
          <LogoMark />
          <span className="text-sm font-semibold tracking-tight">Promptdeck</span>
        </Link>
        <Link href={back} className="text-sm text-fg-muted hover:text-fg">
          Back to projects
        </Link>
      </header>
      <main className="mx-auto w-full max-w-2xl px-6 py-6">
        <PageHeader title="Account" description={<span data-testid="account-email">Signed in as {user.email}</span>} />
        <div className="space-y-6">
          <Card className="p-4">
            <h2 className="mb-3 text-sm font-semibold">Name</h2>
            <ChangeNameForm name={user.name ?? ""} change={changeNameAction} />
          </Card>
          <Card className="p-4">
            <h2 className="mb-1 text-sm font-semibold">Password</h2>
            <p className="mb-3 text-xs text-fg-muted">
              Changing it signs you out everywhere else (
              {sessions === 1 ? "no other session is open" : `${sessions - 1} other session${sessions - 1 === 1 ? "" : "s"} open`}
              ); this browser stays signed in.
            </p>
            <ChangePasswordForm change={changePasswordAction} />
          </Card>
          <Card>
            <h2 className="border-b border-border px-4 py-3 text-sm font-semibold">Projects</h2>
            <ul className="divide-y divide-border text-sm" data-testid="account-projects">
              {projects.map((p) => (
                <li key={p.id} className="flex items-center justify-between px-4 py-2.5">
                  <Link href={`/p/${p.slug}/prompts`} className="font-medium text-accent hover:underline">
                    {p.name}
                  </Link>
                  <Badge tone={p.role === "ADMIN" ? "accent" : "neutral"}>{roleLabel(p.role)}</Badge>
                </li>
              ))}
              {projects.length === 0 ? <li className="px-4 py-2.5 text-fg-muted">You are not a member of any project.</li> : null}
            </ul>
          </Card>
        </div>
      </main>
    </div>
  );
}
