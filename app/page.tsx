import { redirect } from "next/navigation";
import { getSessionUser } from "@/lib/auth/session";
import { isFirstRun } from "@/lib/users/first-run";
import { listProjectsForUser } from "@/lib/projects/queries";
import { AuthCard } from "@/components/auth-card";
import { SignOutButton } from "@/components/sign-out-button";
import { ButtonLink } from "@/components/ui";

export const dynamic = "force-dynamic";

// / - sends people where they belong: first-run setup, sign-in, or their first project.
export default async function HomePage() {
  if (await isFirstRun()) redirect("/setup");
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  const projects = await listProjectsForUser(user.id);
  const first = projects[0];
  if (first) redirect(`/p/${first.slug}/prompts`);
  return (
    <AuthCard title="No projects yet" subtitle={`Signed in as ${user.email}`}>
      <p className="text-sm text-fg-muted">You are not a member of any project. Create one, or ask a project admin to add you, then reload this page.</p>
      <div className="mt-5 flex items-center gap-2">
        <ButtonLink href="/projects/new" variant="primary" data-testid="create-first-project">
          Create a project
        </ButtonLink>
        <SignOutButton />
      </div>
    </AuthCard>
  );
}
