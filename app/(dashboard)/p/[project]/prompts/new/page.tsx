import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { PromptsIcon } from "@/components/icons";
import { ButtonLink, EmptyState, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "New prompt" };

// /p/:project/prompts/new - editors only. The editor itself is built on lib/prompts.
export default async function NewPromptPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "EDITOR");
  return (
    <>
      <PageHeader title="New prompt" />
      <EmptyState
        icon={<PromptsIcon width={20} height={20} />}
        title="The prompt editor is not available in this build yet"
        action={<ButtonLink href={`/p/${access.project.slug}/prompts`}>Back to prompts</ButtonLink>}
      >
        Until it ships, create a prompt through the API: send a version document to{" "}
        <code className="font-mono">POST /api/v1/prompts/&#123;name&#125;/versions</code> with an API key that has the{" "}
        <code className="font-mono">prompts:write</code> scope (see Settings for keys).
      </EmptyState>
    </>
  );
}
