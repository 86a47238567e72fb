// Dataset routes of the public API (lib/datasets): create, list, read with versions, add or import items, page items.
import { z } from "zod";
import { actorForKey, type ApiKeyPrincipal } from "@/lib/api-keys/authenticate";
import { AppError } from "@/lib/errors";
import { fittingPrompts, loadPromptContract } from "@/lib/datasets/contract";
import { importItems, importRequestSchema, textSource } from "@/lib/datasets/import";
import { addItems, createDataset } from "@/lib/datasets/mutations";
import { getDatasetByName, listDatasets, listItems, listVersions, type DatasetSummary } from "@/lib/datasets/queries";
import { addItemsRequestSchema, createDatasetSchema, datasetNameSchema, listItemsQuerySchema } from "@/lib/datasets/schemas";
import { json } from "../route";
import * as s from "../api-schemas";
import { route } from "./context";

/** datasets:write acts as an editor of the project's datasets. */
function datasetActor(principal: ApiKeyPrincipal): ReturnType<typeof actorForKey> {
  const actor = actorForKey(principal);
  return actor.role === "VIEWER" ? { ...actor, role: "EDITOR" as const } : actor;
}

function datasetView(d: DatasetSummary): z.input<typeof s.datasetResponseSchema> {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    latestVersion: d.latestVersion,
    itemCount: d.itemCount,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

const nameParams = z.object({ name: datasetNameSchema.meta({ description: "Dataset name" }) });
const unknownDataset = { code: "not_found" as const, message: (_issues: unknown, raw: Record<string, string>) => `Dataset "${raw.name ?? ""}" does not exist` };

async function datasetOr404(projectId: string, name: string): Promise<DatasetSummary> {
  const dataset = await getDatasetByName(projectId, name);
  if (!dataset) throw new AppError("not_found", `Dataset "${name}" does not exist`);
  return dataset;
}

/**
 * Items as a JSON array or {"items": [...]}, or an import {"format": "csv"|"jsonl", "content": ...}.
 * Parsed with the one schema of the shape the body has, so errors name the real problem.
 */
const addOrImportBodySchema = z.unknown().transform((value, ctx) => {
  const body = Array.isArray(value) ? { items: value } : value;
  const isImport = typeof body === "object" && body !== null && ("content" in body || "format" in body);
  const result = isImport ? importRequestSchema.safeParse(body) : addItemsRequestSchema.safeParse(body);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path.filter((p) => typeof p !== "symbol") });
    return z.NEVER;
  }
  return isImport
    ? { kind: "import" as const, ...(result.data as z.output<typeof importRequestSchema>) }
    : { kind: "items" as const, ...(result.data as z.output<typeof addItemsRequestSchema>) };
});

export const datasetRoutes = [
  // POST /api/v1/datasets - create an empty dataset
  route({
    method: "POST",
    path: "/api/v1/datasets",
    operationId: "createDataset",
    summary: "Create an empty dataset (name unique in the project) (scope datasets:write)",
    scope: "datasets:write",
    body: createDatasetSchema,
    bodyMessage: (issues) => issues[0]?.message ?? "Invalid dataset",
    response: { status: 201, description: "The dataset", schema: s.datasetResponseSchema },
    errors: [409],
    async handler({ principal, body }) {
      return json(201, datasetView(await createDataset(principal.projectId, body, datasetActor(principal))));
    },
  }),

  // GET /api/v1/datasets - the project's datasets with item counts and the prompts they fit
  route({
    method: "GET",
    path: "/api/v1/datasets",
    operationId: "listDatasets",
    summary: "The project's datasets with item counts and which prompts' contracts the items fit (scope datasets:read)",
    scope: "datasets:read",
    response: { status: 200, description: "Datasets", schema: s.datasetListResponseSchema },
    async handler({ principal }) {
      const datasets = await listDatasets(principal.projectId);
      const fits = await fittingPrompts(principal.projectId, datasets);
      return json(200, { data: datasets.map((d) => ({ ...datasetView(d), fitsPrompts: fits.get(d.id) ?? [] })) });
    },
  }),

  // GET /api/v1/datasets/{name} - one dataset with its versions
  route({
    method: "GET",
    path: "/api/v1/datasets/{name}",
    operationId: "getDataset",
    summary: "A dataset with its versions, newest first (scope datasets:read)",
    scope: "datasets:read",
    params: nameParams,
    paramsError: unknownDataset,
    response: { status: 200, description: "The dataset", schema: s.datasetDetailResponseSchema },
    errors: [404],
    async handler({ principal, params }) {
      const dataset = await datasetOr404(principal.projectId, params.name);
      const versions = await listVersions(dataset.id);
      return json(200, {
        ...datasetView(dataset),
        versions: versions.map((v) => ({ number: v.number, itemCount: v.itemCount, note: v.note, createdAt: v.createdAt.toISOString() })),
      });
    },
  }),

  // POST /api/v1/datasets/{name}/items - add items (JSON) or import a CSV/JSONL text, as a new version
  route({
    method: "POST",
    path: "/api/v1/datasets/{name}/items",
    operationId: "addDatasetItems",
    summary:
      'Add items as a new version: a JSON array of items (or {"items": [...]}, at most 10,000), or an import {"format": "csv"|"jsonl", "content": "...", "mapping"?, "mode"?, "prompt"?}; all or nothing, every problem listed (scope datasets:write)',
    scope: "datasets:write",
    params: nameParams,
    paramsError: unknownDataset,
    body: addOrImportBodySchema,
    bodyDoc: z.union([z.array(addItemsRequestSchema.shape.items.element), addItemsRequestSchema, importRequestSchema]),
    bodyMessage: (issues) => `Invalid items: ${issues[0] ? `${issues[0].path ? `${issues[0].path}: ` : ""}${issues[0].message}` : "invalid body"}`,
    // 10,000 items or a 64 MB file.
    bodySizeFactor: 64,
    response: { status: 201, description: "The new version", schema: s.datasetChangeResponseSchema },
    errors: [404, 409, 413],
    async handler({ principal, params, body }) {
      const actor = datasetActor(principal);
      const dataset = await datasetOr404(principal.projectId, params.name);
      if (body.kind === "items") {
        const result = await addItems(dataset.id, body.items, actor, { note: body.note });
        return json(201, { dataset: dataset.name, version: result.version, itemCount: result.itemCount, added: result.added, removed: result.removed });
      }
      const contract = body.prompt ? await loadPromptContract(principal.projectId, body.prompt.name, body.prompt.version) : undefined;
      const result = await importItems(
        dataset.id,
        textSource(body.content),
        { format: body.format, mapping: body.mapping, mode: body.mode, contract, fileName: body.fileName },
        actor,
      );
      return json(201, { dataset: dataset.name, version: result.version, itemCount: result.itemCount, added: result.added, removed: result.removed });
    },
  }),

  // GET /api/v1/datasets/{name}/items - keyset page of a version's items
  route({
    method: "GET",
    path: "/api/v1/datasets/{name}/items",
    operationId: "listDatasetItems",
    summary: "A page of a version's items in order (?version=&cursor=&limit=&search=&tag=; follow nextCursor) (scope datasets:read)",
    scope: "datasets:read",
    params: nameParams,
    paramsError: unknownDataset,
    query: listItemsQuerySchema,
    response: { status: 200, description: "Items", schema: s.datasetItemsResponseSchema },
    errors: [404],
    async handler({ principal, params, query }) {
      const dataset = await datasetOr404(principal.projectId, params.name);
      const version = query.version ?? dataset.latestVersion;
      const page = await listItems(dataset.id, { version, after: query.cursor, limit: query.limit, search: query.search, tag: query.tag });
      return json(200, { version, ...page }, { "Cache-Control": "private, no-cache" });
    },
  }),
];
