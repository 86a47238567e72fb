import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { listReleaseRequests } from "@/lib/prompts/release-requests";
import { ReleasesIcon } from "@/components/icons";
import { Card, EmptyState, PageHeader, cx } from "@/components/ui";
import { ReleaseRequestList } from "@/components/prompts/release-request-list";

export const metadata: Metadata = { title: "Releases" };

const FILTERS = ["open", "approved", "rejected", "all"] as const;

// /p/:project/releases?status=open|approved|rejected|all - the project's release requests (the inbox).
export default async function ReleasesPage({
  params,
  searchParams,
}: {
  params: Promise<{ project: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { project: slug } = await params;
  const sp = await searchParams;
  const access = await requirePageRole(slug, "VIEWER");
  const filter = FILTERS.find((f) => f === sp.status) ?? "open";
  const requests = await listReleaseRequests(access.project.id, filter === "all" ? {} : { status: filter });
  const base = `/p/${access.project.slug}/releases`;
  return (
    <>
      <PageHeader
        title="Releases"
        description="Requests to move labels under a release rule: open the request for its evidence, approve it to move the label, or reject it."
      />
      <nav className="mb-3 flex gap-1 text-sm" aria-label="Filter requests">
        {FILTERS.map((f) => (
          <Link
            key={f}
            href={`${base}?status=${f}`}
            aria-current={f === filter ? "page" : undefined}
            className={cx("rounded-md px-2.5 py-1", f === filter ? "bg-accent/10 font-medium text-accent" : "text-fg-muted hover:bg-muted")}
            data-testid={`releases-filter-${f}`}
          >
            {f[0]!.toUpperCase() + f.slice(1)}
          </Link>
        ))}
      </nav>
      {requests.length === 0 ? (
        <EmptyState
          testId="releases-empty"
          icon={<ReleasesIcon width={20} height={20} />}
          title={filter === "open" ? "No open requests" : `No ${filter === "all" ? "" : `${filter} `}requests`}
        >
          Labels under a release rule (Settings → Release approvals) are moved by requesting a release on the prompt page.
        </EmptyState>
      ) : (
        <Card>
          <ReleaseRequestList project={access.project.slug} requests={requests} now={new Date()} />
        </Card>
      )}
    </>
  );
}
