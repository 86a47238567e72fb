import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { AuthCard } from "@/components/auth-card";
import { buttonClass } from "@/components/ui";
import { SSO_REFUSAL_MESSAGES } from "@/lib/users/sso";

export const metadata: Metadata = { title: "Single sign-on refused" };

const reasonSchema = z.enum(["no_email", "unverified_email", "domain_not_allowed"]);

// /signin/refused?reason=... - where a single sign-on the account rules refuse lands (lib/users/sso.ts).
export default async function SsoRefusedPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const reason = reasonSchema.safeParse(Array.isArray(params.reason) ? params.reason[0] : params.reason);
  const message = reason.success ? SSO_REFUSAL_MESSAGES[reason.data] : "Single sign-on was refused.";
  return (
    <AuthCard title="You can't sign in with single sign-on">
      <p data-testid="sso-refused" className="text-sm text-fg-muted">
        {message}
      </p>
      <div className="mt-5">
        <Link href="/signin" className={buttonClass("secondary")}>
          Back to sign in
        </Link>
      </div>
    </AuthCard>
  );
}
