import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { PageHeader } from "@/components/ui";
import { NewPromptForm } from "./new-prompt-form";

export const metadata: Metadata = { title: "New prompt" };

// /p/:project/prompts/new - editors create a prompt (name, description, tags), then edit its draft.
export default async function NewPromptPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "EDITOR");
  return (
    <>
      <PageHeader title="New prompt" description="A prompt starts as a draft with a starter template; publish it as 1.0.0 from the editor." />
      <NewPromptForm project={access.project.slug} />
    </>
  );
}
