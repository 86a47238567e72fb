import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth-card";
import { ssoButton } from "@/lib/auth/options";
import { getSessionUser } from "@/lib/auth/session";
import { signInErrorMessage } from "@/lib/users/credentials";
import { isFirstRun } from "@/lib/users/first-run";
import { SignInForm } from "./signin-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

/** Only same-site paths are accepted as a post-sign-in destination (no open redirect). */
function safeCallback(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v.startsWith("/") && !v.startsWith("//") && !v.startsWith("/\\") ? v : "/";
}

function first(value: string | string[]): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// /signin - email + password sign-in, and single sign-on when AUTH_OIDC_* are set.
export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallback(params.callbackUrl);
  if (await getSessionUser()) redirect(callbackUrl);
  if (await isFirstRun()) redirect("/setup");
  return (
    <AuthCard title="Sign in" subtitle="Use the email and password of your Promptdeck account.">
      <SignInForm callbackUrl={callbackUrl} initialError={params.error ? signInErrorMessage(first(params.error)) : null} sso={ssoButton()} />
    </AuthCard>
  );
}
