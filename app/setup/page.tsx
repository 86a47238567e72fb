import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth-card";
import { isFirstRun } from "@/lib/users/first-run";
import { SetupForm } from "./setup-form";

export const metadata: Metadata = { title: "Set up Promptdeck" };
export const dynamic = "force-dynamic";

// /setup - first-run only: the first account (admin) and the first project.
export default async function SetupPage() {
  if (!(await isFirstRun())) redirect("/signin");
  return (
    <AuthCard title="Set up Promptdeck" subtitle="Create the first account and project. You will be the project's admin and can invite others later.">
      <SetupForm />
    </AuthCard>
  );
}
