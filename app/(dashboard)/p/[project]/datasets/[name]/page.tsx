import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { fittingPrompts } from "@/lib/datasets/contract";
import { getDatasetByName, listTags, listVersions } from "@/lib/datasets/queries";
import { listPrompts } from "@/lib/prompts/queries";
import { ButtonLink, PageHeader } from "@/components/ui";
import { addItemAction, checkContractAction, deleteItemsAction, updateItemAction } from "../actions";
import { ContractPanel } from "./contract-panel";
import { ItemsClient } from "./items-client";
import { decodeRouteParam } from "@/lib/http/edge";

export const metadata: Metadata = { title: "Dataset" };

// /p/:project/datasets/:name - a dataset's items (virtualised, keyset-paged), versions, edits and the contract check.
export default async function DatasetPage({
  params,
  searchParams,
}: {
  params: Promise<{ project: string; name: string }>;
  searchParams: Promise<{ version?: string }>;
}) {
  const { project: slug, name: rawName } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const name = decodeRouteParam(rawName);
  const dataset = await getDatasetByName(access.project.id, name);
  if (!dataset) notFound();
  const sp = await searchParams;
  const requested = Number(sp.version);
  const version = Number.isSafeInteger(requested) && requested >= 1 && requested <= dataset.latestVersion ? requested : dataset.latestVersion;
  const [versions, tags, prompts, fitting] = await Promise.all([
    listVersions(dataset.id),
    listTags(dataset.id, version),
    listPrompts(access.project.id, { take: 200, sort: "name" }),
    fittingPrompts(access.project.id, [dataset]),
  ]);
  const canEdit = hasRole(access.role, "EDITOR");
  const base = `/p/${access.project.slug}/datasets/${encodeURIComponent(dataset.name)}`;
  return (
    <>
      <PageHeader
        title={dataset.name}
        description={dataset.description || "A dataset of test cases."}
        actions={
          canEdit ? (
            <ButtonLink variant="primary" href={`${base}/import`} data-testid="import-link">
              Import CSV / JSONL
            </ButtonLink>
          ) : null
        }
      />
      <div className="grid gap-4 xl:grid-cols-[1fr_20rem]">
        <ItemsClient
          project={access.project.slug}
          dataset={{ id: dataset.id, name: dataset.name, latestVersion: dataset.latestVersion }}
          version={version}
          versions={versions.map((v) => ({ number: v.number, itemCount: v.itemCount, note: v.note, createdAt: v.createdAt.toISOString() }))}
          tags={tags}
          canEdit={canEdit}
          addItem={addItemAction}
          updateItem={updateItemAction}
          deleteItems={deleteItemsAction}
        />
        <ContractPanel
          project={access.project.slug}
          datasetId={dataset.id}
          version={version}
          prompts={prompts.items.map((p) => p.name)}
          fitting={fitting.get(dataset.id) ?? []}
          check={checkContractAction}
        />
      </div>
    </>
  );
}
