"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { ActionResult, InProject, ServerAction } from "@/lib/http/action-result";
import type { IssuedInvitation } from "@/lib/members/invitations";
import type { Role } from "@/lib/projects/roles";
import { withSignIn } from "@/lib/http/signed-out";
import { Button, FormError } from "@/components/ui";

type InviteAction = ServerAction<InProject<{ email: string; role: Role }>, IssuedInvitation>;
type InvitationAction<O> = ServerAction<InProject<{ invitationId: string }>, O>;
type ChangeRoleAction = ServerAction<InProject<{ userId: string; role: Role }>, { role: Role }>;
type RemoveAction = ServerAction<InProject<{ userId: string }>>;
type LeaveAction = ServerAction<InProject<{ confirm: true }>>;

const INPUT_CLASS =
  "block h-9 w-full rounded-md border border-border bg-surface px-2.5 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

const roleText = (role: Role) => role.charAt(0) + role.slice(1).toLowerCase();

function failureText(result: Extract<ActionResult<unknown>, { ok: false }>): string {
  return result.issues?.length ? result.issues.map((i) => i.message).join("; ") : result.message;
}

/** The link just issued, with a copy button and how the email went. */
function IssuedLink({ issued, onClose }: { issued: IssuedInvitation; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const mailText =
    issued.mail.status === "sent"
      ? `An email with this link was sent to ${issued.email}.`
      : issued.mail.status === "failed"
        ? `The email to ${issued.email} could not be sent (${issued.mail.reason}): copy the link and send it yourself.`
        : `Mail is not configured on this server: copy the link and send it to ${issued.email} yourself.`;
  return (
    <div className="space-y-3" data-testid="invitation-issued">
      <p className="text-sm">
        Invitation for <span className="font-medium">{issued.email}</span> as {roleText(issued.role)}. The link works once and is shown only now.
      </p>
      <div className="flex gap-2">
        <input
          readOnly
          value={issued.link}
          className={`${INPUT_CLASS} font-mono text-xs`}
          data-testid="invitation-link"
          onFocus={(e) => e.currentTarget.select()}
        />
        <Button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(issued.link).then(() => setCopied(true));
          }}
        >
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <p className={issued.mail.status === "failed" ? "text-xs text-warning" : "text-xs text-fg-muted"} data-testid="invitation-mail-status">
        {mailText}
      </p>
      <div className="flex justify-end">
        <Button type="button" variant="primary" onClick={onClose}>
          Done
        </Button>
      </div>
    </div>
  );
}

function Dialog({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="fixed inset-0 z-40 flex items-start justify-center bg-black/40 p-4 pt-24" role="dialog" aria-modal="true" aria-label={title}>
      <div className="w-full max-w-lg space-y-4 rounded-lg border border-border bg-surface p-5 text-left shadow-xl">
        <h2 className="text-sm font-semibold">{title}</h2>
        {children}
      </div>
    </div>
  );
}

/** "Invite member" button and dialog: email + role; then the link to copy. */
export function InviteMember({ project, roles, mailOn, invite }: { project: string; roles: readonly Role[]; mailOn: boolean; invite: InviteAction }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<IssuedInvitation | null>(null);
  const [pending, startTransition] = useTransition();

  function close() {
    setOpen(false);
    setIssued(null);
    setError(null);
  }

  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)} data-testid="invite-member">
        Invite member
      </Button>
      {open ? (
        <Dialog title="Invite a member">
          {issued ? (
            <IssuedLink issued={issued} onClose={close} />
          ) : (
            <form
              noValidate
              className="space-y-4"
              onSubmit={(e) => {
                e.preventDefault();
                const data = new FormData(e.currentTarget);
                setError(null);
                startTransition(async () => {
                  const result = await withSignIn(invite)({ project, email: String(data.get("email") ?? ""), role: String(data.get("role") ?? "") as Role });
                  if (!result.ok) {
                    setError(failureText(result));
                    return;
                  }
                  setIssued(result.data);
                  router.refresh();
                });
              }}
            >
              <FormError message={error} testId="invite-error" />
              <div className="space-y-1">
                <label htmlFor="invite-email" className="block text-xs font-medium">
                  Email
                </label>
                <input id="invite-email" name="email" type="email" autoFocus autoComplete="off" placeholder="name@company.com" className={INPUT_CLASS} />
              </div>
              <div className="space-y-1">
                <label htmlFor="invite-role" className="block text-xs font-medium">
                  Role
                </label>
                <select id="invite-role" name="role" defaultValue="VIEWER" className={INPUT_CLASS}>
                  {roles.map((r) => (
                    <option key={r} value={r}>
                      {roleText(r)}
                    </option>
                  ))}
                </select>
              </div>
              <p className="text-xs text-fg-muted">
                {mailOn ? "The link is emailed and shown to you to copy." : "Mail is not configured: you get a link to copy and send."}
              </p>
              <div className="flex justify-end gap-2">
                <Button type="button" variant="ghost" onClick={close}>
                  Cancel
                </Button>
                <Button type="submit" variant="primary" disabled={pending}>
                  {pending ? "Inviting…" : "Invite"}
                </Button>
              </div>
            </form>
          )}
        </Dialog>
      ) : null}
    </>
  );
}

/** Resend (new link) and revoke for one pending invitation. */
export function InvitationRowActions({
  project,
  invitationId,
  email,
  resend,
  revoke,
}: {
  project: string;
  invitationId: string;
  email: string;
  resend: InvitationAction<IssuedInvitation>;
  revoke: InvitationAction<undefined>;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<IssuedInvitation | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <span className="inline-flex gap-2">
        <Button
          size="sm"
          disabled={pending}
          data-testid="resend-invitation"
          onClick={() =>
            startTransition(async () => {
              setError(null);
              const result = await withSignIn(resend)({ project, invitationId });
              if (!result.ok) setError(failureText(result));
              else {
                setIssued(result.data);
                router.refresh();
              }
            })
          }
        >
          Resend
        </Button>
        <Button
          size="sm"
          variant="ghost"
          className="text-danger"
          disabled={pending}
          data-testid="revoke-invitation"
          onClick={() => {
            if (!window.confirm(`Revoke the invitation for ${email}? Its link stops working.`)) return;
            startTransition(async () => {
              setError(null);
              const result = await withSignIn(revoke)({ project, invitationId });
              if (!result.ok) setError(failureText(result));
              else router.refresh();
            });
          }}
        >
          Revoke
        </Button>
      </span>
      {error ? <span className="text-xs text-danger">{error}</span> : null}
      {issued ? (
        <Dialog title="New invitation link">
          <IssuedLink issued={issued} onClose={() => setIssued(null)} />
        </Dialog>
      ) : null}
    </span>
  );
}

/** An admin's role picker for another member; the change is saved at once. */
export function MemberRoleSelect({
  project,
  userId,
  email,
  role,
  roles,
  lastAdmin,
  change,
}: {
  project: string;
  userId: string;
  email: string;
  role: Role;
  roles: readonly Role[];
  lastAdmin: boolean;
  change: ChangeRoleAction;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <span className="inline-flex flex-col gap-1">
      <select
        aria-label={`Role of ${email}`}
        data-testid="member-role-select"
        defaultValue={role}
        key={role}
        disabled={pending}
        className="h-7 rounded-md border border-border bg-surface px-1.5 text-xs"
        onChange={(e) => {
          const select = e.currentTarget;
          const next = select.value as Role;
          startTransition(async () => {
            setError(null);
            const result = await withSignIn(change)({ project, userId, role: next });
            if (!result.ok) {
              // Refused (the last admin, a member gone meanwhile): show the role they still have.
              select.value = role;
              setError(failureText(result));
            }
            router.refresh();
          });
        }}
      >
        {roles.map((r) => (
          <option key={r} value={r} disabled={lastAdmin && r !== "ADMIN"}>
            {roleText(r)}
          </option>
        ))}
      </select>
      {error ? (
        <span className="text-xs text-danger" data-testid="member-error">
          {error}
        </span>
      ) : null}
    </span>
  );
}

/** An admin's "Remove" for another member (confirmed). */
export function RemoveMember({
  project,
  userId,
  email,
  lastAdmin,
  remove,
}: {
  project: string;
  userId: string;
  email: string;
  lastAdmin: boolean;
  remove: RemoveAction;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <Button
        size="sm"
        variant="ghost"
        className="text-danger"
        disabled={pending || lastAdmin}
        title={lastAdmin ? "The last admin cannot be removed" : undefined}
        data-testid="remove-member"
        onClick={() => {
          if (!window.confirm(`Remove ${email} from this project? They lose access at once.`)) return;
          startTransition(async () => {
            setError(null);
            const result = await withSignIn(remove)({ project, userId });
            if (!result.ok) setError(failureText(result));
            else router.refresh();
          });
        }}
      >
        Remove
      </Button>
      {error ? (
        <span className="text-xs text-danger" data-testid="member-error">
          {error}
        </span>
      ) : null}
    </span>
  );
}

/** "Leave project" for the signed-in member (confirmed); then home. The last admin is told why not. */
export function LeaveProject({ project, projectName, lastAdmin, leave }: { project: string; projectName: string; lastAdmin: boolean; leave: LeaveAction }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <Button
        size="sm"
        variant="ghost"
        disabled={pending}
        data-testid="leave-project"
        onClick={() => {
          if (!lastAdmin && !window.confirm(`Leave ${projectName}? You lose access until an admin invites you again.`)) return;
          startTransition(async () => {
            setError(null);
            const result = await withSignIn(leave)({ project, confirm: true });
            if (!result.ok) setError(failureText(result));
            else window.location.assign(new URL("/", window.location.origin).href);
          });
        }}
      >
        Leave project
      </Button>
      {error ? (
        <span className="max-w-xs text-xs text-danger" data-testid="leave-error">
          {error}
        </span>
      ) : null}
    </span>
  );
}
