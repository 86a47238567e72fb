import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { MetricsIcon } from "@/components/icons";
import { EmptyState, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Metrics" };

// /p/:project/metrics - usage, cost, latency and quality per prompt version.
export default async function MetricsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  await requirePageRole(slug, "VIEWER");
  return (
    <>
      <PageHeader title="Metrics" description="Calls, tokens, cache hits, cost, latency and quality per prompt version." />
      <EmptyState testId="metrics-empty" icon={<MetricsIcon width={20} height={20} />} title="No calls recorded yet">
        Charts appear here once your apps run prompts through Promptdeck (
        <code className="font-mono">POST /api/v1/prompts/&#123;name&#125;/run</code>) or report their own calls (
        <code className="font-mono">POST /api/v1/calls</code>). Create an API key in Settings to get started.
      </EmptyState>
    </>
  );
}
