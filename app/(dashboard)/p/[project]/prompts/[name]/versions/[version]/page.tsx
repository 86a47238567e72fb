import type { Metadata } from "next";
import { hasRole } from "@/lib/projects/roles";
import { describeLocation } from "@/lib/prompts/locations";
import { versionLabel } from "@/lib/prompts/queries";
import { readVersionContent } from "@/lib/prompts/schemas";
import { ButtonLink, Card } from "@/components/ui";
import { StartDraftButton } from "@/components/prompts/draft-controls";
import { VersionComments } from "@/components/prompts/version-comments";
import { listVersionComments } from "@/lib/prompts/comments";
import { decodePromptName, promptPath } from "@/lib/prompts/paths";
import { loadVersionPage, VersionHeading, type VersionParams } from "./version-heading";

export async function generateMetadata({ params }: { params: Promise<VersionParams> }): Promise<Metadata> {
  const { name, version } = await params;
  const label = decodeURIComponent(version);
  return { title: `${decodePromptName(name)} ${label === "draft" ? "draft" : `v${label}`}` };
}

const show = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

function Field({ name, value }: { name: string; value: unknown }) {
  return (
    <div className="flex gap-3 border-t border-border py-1 first:border-t-0">
      <dt className="w-36 shrink-0 text-fg-muted">{name}</dt>
      <dd className="min-w-0 font-mono break-words">{value === undefined ? <span className="text-fg-muted">—</span> : show(value)}</dd>
    </div>
  );
}

function TextBlock({ title, meta, text, cache, testId }: { title: string; meta: string; text: string; cache?: string; testId: string }) {
  return (
    <div className="rounded-md border border-border" data-testid={testId}>
      <div className="flex items-center gap-2 border-b border-border bg-muted/40 px-2 py-1 text-xxs">
        <span className="font-medium">{title}</span>
        <span className="text-fg-muted">{meta}</span>
        {cache ? <span className="ml-auto text-fg-muted">cache breakpoint {cache}</span> : null}
      </div>
      <pre className="overflow-x-auto px-2 py-1.5 font-mono text-[12px] leading-[1.5] whitespace-pre-wrap">{text || " "}</pre>
    </div>
  );
}

// /p/:project/prompts/:name/versions/:version - one version's full content, read-only: system
// blocks, turns, the variables contract, model config, runner policy and output format.
export default async function VersionPage({ params }: { params: Promise<VersionParams> }) {
  const loaded = await loadVersionPage(params);
  const { access, project, prompt, index, row, version, label, isDraft } = loaded;
  const comments = await listVersionComments(prompt.id, [row.id]);
  const content = readVersionContent(version);
  const previous = prompt.versions.slice(index + 1).find((v) => v.status === "PUBLISHED");
  const canEdit = hasRole(access.role, "EDITOR") && !prompt.archivedAt;
  const variables = Object.entries(content.variables);
  const outputText = content.outputSchema.format === "json" ? JSON.stringify(content.outputSchema.schema, null, 2) : null;

  return (
    <>
      <VersionHeading
        loaded={loaded}
        active="content"
        actions={
          <>
            {previous ? (
              <ButtonLink href={`${promptPath(project, prompt.name, "diff")}?from=${versionLabel(previous)}&to=${label}`} data-testid="version-diff-previous">
                Diff with v{versionLabel(previous)}
              </ButtonLink>
            ) : null}
            {canEdit && isDraft ? <ButtonLink href={promptPath(project, prompt.name, "edit")}>Edit draft</ButtonLink> : null}
            {canEdit && !isDraft ? (
              <StartDraftButton
                project={project}
                promptId={prompt.id}
                promptName={prompt.name}
                versionId={row.id}
                version={label}
                hasDraft={prompt.versions.some((v) => v.status === "DRAFT")}
              />
            ) : null}
          </>
        }
      />

      <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,1fr)_380px]">
        <div className="min-w-0 space-y-4">
          <Card className="p-4" data-testid="version-system">
            <h2 className="mb-2 text-sm font-semibold">System</h2>
            {content.system.length === 0 ? <p className="text-xs text-fg-muted">No system blocks.</p> : null}
            <div className="space-y-2">
              {content.system.map((b, i) => (
                <TextBlock
                  key={i}
                  testId="version-block"
                  title={describeLocation(`system.${i}`)}
                  meta={b.role}
                  text={b.text}
                  cache={b.cache_control ? (b.cache_control.ttl ?? "5m") : undefined}
                />
              ))}
            </div>
          </Card>
          <Card className="p-4" data-testid="version-messages">
            <h2 className="mb-2 text-sm font-semibold">Turns</h2>
            <div className="space-y-2">
              {content.messages.flatMap((m, i) =>
                m.content.map((b, j) => (
                  <TextBlock
                    key={`${i}-${j}`}
                    testId="version-turn"
                    title={describeLocation(`messages.${i}.content.${j}`, content)}
                    meta={m.role}
                    text={b.text}
                    cache={b.cache_control ? (b.cache_control.ttl ?? "5m") : undefined}
                  />
                )),
              )}
            </div>
          </Card>
        </div>

        <div className="min-w-0 space-y-4">
          <Card className="p-4">
            <VersionComments project={project} promptId={prompt.id} versionId={row.id} comments={comments} canComment={canEdit} title="Comments" />
          </Card>
          <Card className="p-4" data-testid="version-variables">
            <h2 className="mb-2 text-sm font-semibold">Variables contract</h2>
            {variables.length === 0 ? <p className="text-xs text-fg-muted">No variables: the prompt is sent as written.</p> : null}
            {variables.length > 0 ? (
              <table className="w-full text-xs">
                <thead>
                  <tr className="text-left text-fg-muted">
                    <th className="py-1 pr-2 font-medium">Name</th>
                    <th className="py-1 pr-2 font-medium">Type</th>
                    <th className="py-1 pr-2 font-medium">Required</th>
                    <th className="py-1 font-medium">Default / values</th>
                  </tr>
                </thead>
                <tbody>
                  {variables.map(([n, def]) => (
                    <tr key={n} className="border-t border-border align-top" data-testid="version-variable">
                      <td className="py-1 pr-2 font-mono">
                        {n}
                        {def.description ? <div className="font-sans text-xxs text-fg-muted">{def.description}</div> : null}
                      </td>
                      <td className="py-1 pr-2">{def.type}</td>
                      <td className="py-1 pr-2">{def.required ? "yes" : "no"}</td>
                      <td className="py-1 font-mono break-all">
                        {def.default !== undefined ? show(def.default) : null}
                        {def.type === "enum" ? <div className="text-fg-muted">{(def.values ?? []).join(", ")}</div> : null}
                        {def.default === undefined && def.type !== "enum" ? <span className="text-fg-muted">—</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </Card>
          <Card className="p-4" data-testid="version-model">
            <h2 className="mb-2 text-sm font-semibold">Model</h2>
            <dl className="text-xs">
              <Field name="model" value={content.modelConfig.model} />
              <Field name="max_tokens" value={content.modelConfig.max_tokens} />
              {content.modelConfig.stop_sequences ? <Field name="stop_sequences" value={content.modelConfig.stop_sequences} /> : null}
              {content.modelConfig.effort ? <Field name="effort" value={content.modelConfig.effort} /> : null}
              {content.modelConfig.service_tier ? <Field name="service_tier" value={content.modelConfig.service_tier} /> : null}
            </dl>
          </Card>
          <Card className="p-4" data-testid="version-policy">
            <h2 className="mb-2 text-sm font-semibold">Runner policy</h2>
            {Object.keys(content.policy).length === 0 ? (
              <p className="text-xs text-fg-muted">Project defaults (no fields set on this version).</p>
            ) : (
              <dl className="text-xs">
                {Object.entries(content.policy).map(([k, v]) => (
                  <Field key={k} name={k} value={v} />
                ))}
              </dl>
            )}
          </Card>
          <Card className="p-4" data-testid="version-output">
            <h2 className="mb-2 text-sm font-semibold">Output</h2>
            {outputText === null ? (
              <p className="text-xs">Plain text.</p>
            ) : (
              <>
                <p className="mb-1 text-xs">JSON, validated against this schema:</p>
                <pre className="max-h-96 overflow-auto rounded-md border border-border bg-muted/30 px-2 py-1.5 font-mono text-[12px] leading-[1.5]">
                  {outputText}
                </pre>
              </>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
