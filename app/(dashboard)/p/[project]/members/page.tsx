import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole, ROLES, roleLabel } from "@/lib/projects/roles";
import { listMembers } from "@/lib/projects/queries";
import { listOpenInvitations } from "@/lib/members/invitations";
import { smtpConfig } from "@/lib/mail/mailer";
import { UsersIcon } from "@/components/icons";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui";
import { formatDay, formatRelative, formatUtc } from "@/components/format";
import { changeMemberRoleAction, inviteMemberAction, leaveProjectAction, removeMemberAction, resendInvitationAction, revokeInvitationAction } from "./actions";
import { InvitationRowActions, InviteMember, LeaveProject, MemberRoleSelect, RemoveMember } from "./members-client";

export const metadata: Metadata = { title: "Members" };

// /p/:project/members - who is in the project and with which role; admins invite, change roles, remove.
export default async function MembersPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const isAdmin = hasRole(access.role, "ADMIN");
  const now = new Date();
  const [members, invitations] = await Promise.all([
    listMembers(access.project.id),
    isAdmin ? listOpenInvitations(access.project.id, now) : Promise.resolve([]),
  ]);
  const adminCount = members.filter((m) => m.role === "ADMIN").length;
  const mailOn = smtpConfig() !== null;
  const project = access.project.slug;

  return (
    <>
      <PageHeader
        title="Members"
        description="Viewers read everything; editors also write drafts, run experiments and evaluations; admins publish to protected labels and manage members, keys and webhooks."
        actions={isAdmin ? <InviteMember project={project} roles={ROLES} mailOn={mailOn} invite={inviteMemberAction} /> : null}
      />
      <div className="space-y-6">
        <Card>
          <div className="flex items-center gap-2 border-b border-border px-4 py-3">
            <UsersIcon className="text-fg-muted" />
            <h2 className="text-sm font-semibold">Members</h2>
            <span className="text-xs text-fg-muted">{members.length}</span>
          </div>
          <table className="w-full text-sm" data-testid="members-list">
            <thead>
              <tr className="border-b border-border text-left text-xs text-fg-muted">
                <th className="px-4 py-2 font-medium">Name</th>
                <th className="px-4 py-2 font-medium">Email</th>
                <th className="px-4 py-2 font-medium">Role</th>
                <th className="px-4 py-2 font-medium">Member since</th>
                <th className="px-4 py-2 text-right font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {members.map((m) => {
                const self = m.userId === access.user.id;
                const lastAdmin = m.role === "ADMIN" && adminCount <= 1;
                return (
                  <tr key={m.userId} data-testid="member-row" data-email={m.email}>
                    <td className="px-4 py-2.5 font-medium">
                      {m.name ?? "—"}
                      {self ? <span className="ml-1.5 text-xs text-fg-muted">(you)</span> : null}
                    </td>
                    <td className="px-4 py-2.5 text-fg-muted">{m.email}</td>
                    <td className="px-4 py-2.5">
                      {isAdmin && !self ? (
                        <MemberRoleSelect
                          project={project}
                          userId={m.userId}
                          email={m.email}
                          role={m.role}
                          roles={ROLES}
                          lastAdmin={lastAdmin}
                          change={changeMemberRoleAction}
                        />
                      ) : (
                        <Badge tone={m.role === "ADMIN" ? "accent" : "neutral"} data-testid="member-role">
                          {roleLabel(m.role)}
                        </Badge>
                      )}
                    </td>
                    <td className="px-4 py-2.5 text-xs text-fg-muted">{formatDay(m.joinedAt)}</td>
                    <td className="px-4 py-2.5 text-right">
                      {self ? (
                        <LeaveProject project={project} projectName={access.project.name} lastAdmin={lastAdmin} leave={leaveProjectAction} />
                      ) : isAdmin ? (
                        <RemoveMember project={project} userId={m.userId} email={m.email} lastAdmin={lastAdmin} remove={removeMemberAction} />
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="border-t border-border px-4 py-2.5 text-xs text-fg-muted">
            A project always keeps at least one admin. A role change or removal applies on the member&apos;s next request, in every browser they are signed in
            with.
          </p>
        </Card>

        {isAdmin ? (
          <Card data-testid="invitations-card">
            <div className="flex items-center gap-2 border-b border-border px-4 py-3">
              <h2 className="text-sm font-semibold">Pending invitations</h2>
              <span className="text-xs text-fg-muted">{invitations.length}</span>
            </div>
            {invitations.length === 0 ? (
              <div className="p-4">
                <EmptyState title="No pending invitations">
                  Invite people by email: each invitation is a single-use link, valid for a limited time
                  {mailOn ? ", and is sent by email too" : " (mail is not configured, so copy the link and send it yourself)"}.
                </EmptyState>
              </div>
            ) : (
              <table className="w-full text-sm" data-testid="invitations-table">
                <thead>
                  <tr className="border-b border-border text-left text-xs text-fg-muted">
                    <th className="px-4 py-2 font-medium">Email</th>
                    <th className="px-4 py-2 font-medium">Role</th>
                    <th className="px-4 py-2 font-medium">Sent</th>
                    <th className="px-4 py-2 font-medium">Expires</th>
                    <th className="px-4 py-2 text-right font-medium">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-border">
                  {invitations.map((inv) => (
                    <tr key={inv.id} data-testid="invitation-row" data-email={inv.email}>
                      <td className="px-4 py-2.5">
                        <div className="font-medium">{inv.email}</div>
                        {inv.invitedBy ? <div className="text-xxs text-fg-muted">invited by {inv.invitedBy}</div> : null}
                      </td>
                      <td className="px-4 py-2.5">
                        <Badge tone={inv.role === "ADMIN" ? "accent" : "neutral"}>{roleLabel(inv.role)}</Badge>
                      </td>
                      <td className="px-4 py-2.5 text-xs text-fg-muted" title={formatUtc(inv.sentAt)}>
                        {formatRelative(inv.sentAt, now)}
                      </td>
                      <td className="px-4 py-2.5 text-xs" title={formatUtc(inv.expiresAt)}>
                        {inv.expired ? <Badge tone="warning">expired</Badge> : <span className="text-fg-muted">{formatDay(inv.expiresAt)}</span>}
                      </td>
                      <td className="px-4 py-2.5 text-right">
                        <InvitationRowActions
                          project={project}
                          invitationId={inv.id}
                          email={inv.email}
                          resend={resendInvitationAction}
                          revoke={revokeInvitationAction}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p className="border-t border-border px-4 py-2.5 text-xs text-fg-muted">
              Only a hash of each link is stored, so a link is shown once, when it is issued. Resend issues a new link (the old one stops working); revoke
              cancels the invitation.
            </p>
          </Card>
        ) : null}
      </div>
    </>
  );
}
