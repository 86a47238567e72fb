import type { Metadata } from "next";
import { AuthCard } from "@/components/auth-card";
import { ButtonLink } from "@/components/ui";

export const metadata: Metadata = { title: "Not allowed" };

// /forbidden - shown when a page needs a stronger role than the user has in the project.
export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { project } = await searchParams;
  const slug = typeof project === "string" && /^[a-z0-9-]+$/.test(project) ? project : null;
  return (
    <AuthCard title="You can't do that here" subtitle="Your role in this project does not allow this page.">
      <p className="text-sm text-fg-muted" data-testid="forbidden">
        Ask a project admin for the editor or admin role if you need it.
      </p>
      <div className="mt-5">
        <ButtonLink href={slug ? `/p/${slug}/prompts` : "/"}>Back to prompts</ButtonLink>
      </div>
    </AuthCard>
  );
}
