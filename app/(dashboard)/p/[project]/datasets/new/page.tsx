import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { PageHeader } from "@/components/ui";
import { createDatasetAction } from "../actions";
import { NewDatasetForm } from "./new-dataset-form";

export const metadata: Metadata = { title: "New dataset" };

// /p/:project/datasets/new - create an empty dataset (EDITOR+).
export default async function NewDatasetPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "EDITOR");
  return (
    <>
      <PageHeader title="New dataset" description="A name and a description; add items next (upload a file, add logged calls, or by hand)." />
      <NewDatasetForm project={access.project.slug} create={createDatasetAction} />
    </>
  );
}
