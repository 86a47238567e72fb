import type { Metadata } from "next";
import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { AuthCard } from "@/components/auth-card";
import { NewProjectForm } from "./new-project-form";
import { createProjectAction } from "./actions";

export const metadata: Metadata = { title: "New project" };
export const dynamic = "force-dynamic";

// /projects/new - any signed-in user creates a project and becomes its admin.
export default async function NewProjectPage({ searchParams }: { searchParams: Promise<{ from?: string | string[] }> }) {
  const user = await requireUser();
  const from = (await searchParams).from;
  const back = typeof from === "string" && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(from) ? `/p/${from}/prompts` : "/";
  return (
    <AuthCard title="New project" subtitle={`You (${user.email}) will be its admin and can invite others.`}>
      <NewProjectForm create={createProjectAction} />
      <p className="mt-4 text-center text-xs text-fg-muted">
        <Link href={back} className="text-accent hover:underline" data-testid="new-project-cancel">
          Cancel
        </Link>
      </p>
    </AuthCard>
  );
}
