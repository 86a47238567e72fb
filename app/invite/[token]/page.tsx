import type { Metadata } from "next";
import { AuthCard } from "@/components/auth-card";
import { ButtonLink } from "@/components/ui";
import { getSessionUser } from "@/lib/auth/session";
import { invitationProblem, lookupInvitation, type InvitationLookup } from "@/lib/members/invitations";
import { invitationTokenSchema } from "@/lib/members/tokens";
import { roleLabel } from "@/lib/projects/roles";
import { acceptInvitationAction, createAccountFromInvitationAction } from "./actions";
import { AcceptAsSignedIn, NewAccountForm, SignInAndAccept, SignOutAndReturn } from "./invite-client";

export const metadata: Metadata = { title: "Invitation" };
export const dynamic = "force-dynamic";

const PROBLEM_TITLES: Record<string, string> = {
  unknown: "Invitation link not valid",
  expired: "Invitation expired",
  accepted: "Invitation already used",
  revoked: "Invitation revoked",
};

// /invite/:token - accept an invitation: new people set a name and password, existing ones sign in.
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const lookup: InvitationLookup = invitationTokenSchema.safeParse(token).success ? await lookupInvitation(token) : { state: "unknown" };
  const user = await getSessionUser();
  const problem = invitationProblem(lookup.state);

  if (problem || lookup.state === "unknown") {
    return (
      <AuthCard title={PROBLEM_TITLES[lookup.state] ?? "Invitation not valid"}>
        <p className="text-sm text-fg-muted" data-testid="invitation-problem" data-state={lookup.state}>
          {problem}
        </p>
        <div className="mt-5">
          <ButtonLink href={user ? "/" : "/signin"}>{user ? "Go to your projects" : "Sign in"}</ButtonLink>
        </div>
      </AuthCard>
    );
  }

  const projectHome = `/p/${lookup.project.slug}/prompts`;
  const subtitle = (
    <>
      {lookup.inviterName ? `${lookup.inviterName} invited` : "You are invited:"} <span className="font-medium text-fg">{lookup.email}</span> to join as{" "}
      <span className="font-medium text-fg">{roleLabel(lookup.role)}</span>.
    </>
  );
  const title = `Join ${lookup.project.name}`;

  if (lookup.alreadyMember) {
    return (
      <AuthCard title={title} subtitle={subtitle}>
        <p className="text-sm" data-testid="invitation-problem" data-state="already-member">
          {lookup.email} is already a member of {lookup.project.name}; there is nothing to accept.
        </p>
        <div className="mt-5">
          <ButtonLink href={user ? projectHome : `/signin?callbackUrl=${encodeURIComponent(projectHome)}`} variant="primary">
            Open {lookup.project.name}
          </ButtonLink>
        </div>
      </AuthCard>
    );
  }

  if (user && user.email.toLowerCase() !== lookup.email) {
    return (
      <AuthCard title={title} subtitle={subtitle}>
        <p className="text-sm" data-testid="invitation-problem" data-state="other-account">
          You are signed in as <span className="font-medium">{user.email}</span>, but this invitation is for <span className="font-medium">{lookup.email}</span>
          . Sign out, then open the link again.
        </p>
        <div className="mt-5">
          <SignOutAndReturn />
        </div>
      </AuthCard>
    );
  }

  return (
    <AuthCard title={title} subtitle={subtitle}>
      {user ? (
        <AcceptAsSignedIn token={token} email={user.email} accept={acceptInvitationAction} />
      ) : lookup.accountExists ? (
        <SignInAndAccept token={token} email={lookup.email} accept={acceptInvitationAction} />
      ) : (
        <NewAccountForm token={token} email={lookup.email} create={createAccountFromInvitationAction} />
      )}
    </AuthCard>
  );
}
