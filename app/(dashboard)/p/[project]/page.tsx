import { redirect } from "next/navigation";

// /p/:project - the prompt list is the project's home.
export default async function ProjectIndex({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  redirect(`/p/${project}/prompts`);
}
