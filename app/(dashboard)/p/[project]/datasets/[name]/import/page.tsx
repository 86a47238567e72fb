import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { getDatasetByName } from "@/lib/datasets/queries";
import { listPrompts } from "@/lib/prompts/queries";
import { PageHeader } from "@/components/ui";
import { ImportClient } from "./import-client";
import { decodeRouteParam } from "@/lib/http/edge";

export const metadata: Metadata = { title: "Import items" };

// /p/:project/datasets/:name/import - upload CSV / JSONL -> preview with column mapping -> import (EDITOR+).
export default async function ImportPage({ params }: { params: Promise<{ project: string; name: string }> }) {
  const { project: slug, name: rawName } = await params;
  const access = await requirePageRole(slug, "EDITOR");
  const dataset = await getDatasetByName(access.project.id, decodeRouteParam(rawName));
  if (!dataset) notFound();
  const prompts = await listPrompts(access.project.id, { take: 200, sort: "name" });
  return (
    <>
      <PageHeader
        title={`Import into ${dataset.name}`}
        description="Upload a CSV (with a header row) or JSONL file. Check the preview and the column mapping, then import: all rows or none."
      />
      <ImportClient project={access.project.slug} dataset={{ name: dataset.name, itemCount: dataset.itemCount }} prompts={prompts.items.map((p) => p.name)} />
    </>
  );
}
