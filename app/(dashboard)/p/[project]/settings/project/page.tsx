import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { DEFAULT_BODY_POLICY } from "@/lib/calls/record";
import { DEFAULT_RETRY_POLICY } from "@/lib/claude/retry";
import { listModelSpecs } from "@/lib/models/queries";
import { getEditableSettings } from "@/lib/runs/settings";
import { Card, PageHeader } from "@/components/ui";
import { DeleteProjectForm, ProjectSettingsForm, RenameProjectForm } from "./project-forms";
import { deleteProjectAction, renameProjectAction, updateProjectSettingsAction } from "./actions";

export const metadata: Metadata = { title: "Project settings" };

// /p/:project/settings/project - admins: name, runner defaults, call logging and retention, deletion.
export default async function ProjectSettingsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "ADMIN");
  const [settings, models] = await Promise.all([getEditableSettings(access.project.id), listModelSpecs()]);
  const modelChoices = models.filter((m) => !m.deprecated).map((m) => ({ id: m.model, label: m.displayName }));

  return (
    <>
      <PageHeader
        title="Project settings"
        description={
          <>
            <Link href={`/p/${access.project.slug}/settings`} className="text-accent hover:underline">
              Settings
            </Link>{" "}
            / <span className="font-mono">{access.project.slug}</span>
          </>
        }
      />
      <div className="space-y-6">
        <Card data-testid="rename-card">
          <h2 className="border-b border-border px-4 py-3 text-sm font-semibold">Name</h2>
          <RenameProjectForm project={access.project.slug} name={access.project.name} rename={renameProjectAction} />
        </Card>
        <Card data-testid="project-settings-card">
          <h2 className="border-b border-border px-4 py-3 text-sm font-semibold">Runs and call log</h2>
          <ProjectSettingsForm
            project={access.project.slug}
            settings={settings}
            models={modelChoices}
            defaults={{
              maxRetries: DEFAULT_RETRY_POLICY.maxRetries,
              timeoutMs: DEFAULT_RETRY_POLICY.timeoutMs,
              deadlineMs: DEFAULT_RETRY_POLICY.deadlineMs,
              baseDelayMs: DEFAULT_RETRY_POLICY.baseDelayMs,
              maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs,
              bodyLimitBytes: DEFAULT_BODY_POLICY.maxBodyBytes,
              storeBodies: DEFAULT_BODY_POLICY.storeBodies,
              honorRetryAfter: DEFAULT_RETRY_POLICY.honorRetryAfter,
              refusalFallback: DEFAULT_RETRY_POLICY.refusalFallback,
            }}
            save={updateProjectSettingsAction}
          />
        </Card>
        <Card className="border-danger/40" data-testid="delete-project-card">
          <h2 className="border-b border-border px-4 py-3 text-sm font-semibold text-danger">Delete this project</h2>
          <DeleteProjectForm project={access.project.slug} name={access.project.name} remove={deleteProjectAction} />
        </Card>
      </div>
    </>
  );
}
