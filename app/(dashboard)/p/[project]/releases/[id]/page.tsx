import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { describeApproval, getReleaseRequest, type ReleaseMode } from "@/lib/prompts/release-requests";
import { describeReleaseRule, getReleaseRules, mayDecideRelease, releaseRuleFor } from "@/lib/prompts/release-rules";
import { promptPath } from "@/lib/prompts/paths";
import { Badge, Card } from "@/components/ui";
import { formatRelative, formatUtc } from "@/components/format";
import { ReleaseEvidenceView, ReleaseStatusBadge } from "@/components/prompts/release-evidence-view";
import { ReleaseDecision } from "@/components/prompts/release-decision";
import { approveReleaseAction, rejectReleaseAction } from "../actions";

export const metadata: Metadata = { title: "Release request" };

const APPROVE: Record<ReleaseMode, string> = {
  move: "Approve and move the label",
  rollout: "Approve and start the rollout",
  promote: "Approve, end the experiment and move the label",
};
const MODE: Record<ReleaseMode, string> = { move: "label move", rollout: "canary rollout", promote: "experiment promotion" };

// /p/:project/releases/:id - one release request: who asks what and why, the evidence, the decision.
export default async function ReleaseRequestPage({ params }: { params: Promise<{ project: string; id: string }> }) {
  const { project: slug, id } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const [request, rules] = await Promise.all([getReleaseRequest(access.project.id, id), getReleaseRules(access.project.id)]);
  if (!request) notFound();
  const project = access.project.slug;
  const rule = releaseRuleFor(rules, request.label);
  const parties = { actor: { role: access.role, label: `user:${access.user.id}` }, requestedByLabel: request.requestedByLabel };
  const approve = mayDecideRelease(rule, parties, "approve");
  const reject = mayDecideRelease(rule, parties, "reject");
  const now = new Date();
  const effect = describeApproval(request);
  return (
    <>
      <div className="mb-1 text-xs text-fg-muted">
        <Link href={`/p/${project}/releases`} className="hover:text-fg">
          Releases
        </Link>{" "}
        / request
      </div>
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold" data-testid="release-title">
          Release <span className="font-mono">v{request.version}</span> of{" "}
          <Link href={promptPath(project, request.prompt)} className="font-mono text-accent hover:underline">
            {request.prompt}
          </Link>{" "}
          to <span className="font-mono">{request.label}</span>
        </h1>
        <ReleaseStatusBadge status={request.status} />
      </div>

      <Card className="mb-4" data-testid="release-summary">
        <div className="space-y-1 px-4 py-3 text-sm">
          <p>
            <span className="font-medium">{request.requestedBy}</span> asked {formatRelative(new Date(request.createdAt), now)} (
            {formatUtc(new Date(request.createdAt))}) to move <span className="font-mono">{request.label}</span> from{" "}
            <span className="font-mono">{request.fromVersion ? `v${request.fromVersion}` : "nothing (a new label)"}</span> to{" "}
            <span className="font-mono font-medium">v{request.version}</span>.
          </p>
          <blockquote className="border-l-2 border-border pl-3 text-fg-muted" data-testid="release-reason">
            {request.reason}
          </blockquote>
          {effect ? (
            <p className="text-xs" data-testid="release-plan" data-mode={effect.mode}>
              <Badge tone={effect.mode === "move" ? "neutral" : "accent"}>{MODE[effect.mode]}</Badge> {effect.text}
            </p>
          ) : null}
          {request.force ? <p className="text-xs text-danger">The requester saw the breaking contract change below and asked to move anyway.</p> : null}
          <p className="text-xs text-fg-muted">
            Rule: {rule ? describeReleaseRule(rule) : "none any more (admins decide)"}.{" "}
            <Link
              className="text-accent hover:underline"
              href={`${promptPath(project, request.prompt)}/diff?from=${request.fromVersion ?? request.version}&to=${request.version}`}
            >
              Open the full diff
            </Link>
          </p>
        </div>
        {request.status === "open" ? (
          <div className="border-t border-border">
            <ReleaseDecision
              project={project}
              requestId={request.id}
              approve={approveReleaseAction}
              reject={rejectReleaseAction}
              canApprove={approve.allowed}
              canReject={reject.allowed}
              note={approve.allowed ? null : approve.message}
              approveText={APPROVE[effect?.mode ?? "move"]}
            />
          </div>
        ) : (
          <div className="border-t border-border px-4 py-3 text-sm" data-testid="release-decided">
            <Badge tone={request.status === "approved" ? "success" : "danger"}>{request.status}</Badge> by{" "}
            <span className="font-medium">{request.decidedBy}</span>
            {request.decidedAt ? ` ${formatRelative(new Date(request.decidedAt), now)}` : ""}
            {request.decisionComment ? <span className="text-fg-muted">: “{request.decisionComment}”</span> : "."}
          </div>
        )}
      </Card>

      <ReleaseEvidenceView evidence={request.evidence} project={project} />
    </>
  );
}
