import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { DatasetsIcon } from "@/components/icons";
import { EmptyState, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Datasets" };

// /p/:project/datasets - test cases with expected outputs for evaluations.
export default async function DatasetsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  await requirePageRole(slug, "VIEWER");
  return (
    <>
      <PageHeader title="Datasets" description="Variable sets with expected outputs, used to evaluate versions before release." />
      <EmptyState testId="datasets-empty" icon={<DatasetsIcon width={20} height={20} />} title="No datasets yet">
        Datasets will list here with their item counts and the evaluation runs made against them. Build one from representative inputs (and the answers you
        expect), then evaluate a draft against it before you publish.
      </EmptyState>
    </>
  );
}
