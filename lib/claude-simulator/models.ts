import type { ModelSpec } from "@/lib/models/catalog";
import { SimApiError } from "./errors";

/** A `ModelInfo` as `GET /v1/models` returns it, built from the catalog. */
export interface ModelInfoJson {
  id: string;
  type: "model";
  display_name: string;
  created_at: string;
  deprecated_at: string | null;
  lifecycle: "active" | "deprecated" | "retired";
  line: ModelSpec["family"];
  max_input_tokens: number;
  max_tokens: number;
  retires_at: string | null;
  capabilities: null;
}

/** Release dates are not in the catalog; the simulator orders models by catalog position. */
const BASE_CREATED = Date.parse("2026-11-01T00:00:00Z");

export function modelInfo(spec: ModelSpec, index: number): ModelInfoJson {
  return {
    id: spec.model,
    type: "model",
    display_name: spec.displayName,
    created_at: new Date(BASE_CREATED - index * 86_400_000).toISOString(),
    deprecated_at: spec.deprecated ? new Date(BASE_CREATED).toISOString() : null,
    lifecycle: spec.deprecated ? "deprecated" : "active",
    line: spec.family,
    max_input_tokens: spec.contextWindow,
    max_tokens: spec.maxOutputTokens,
    retires_at: spec.retiresAt,
    capabilities: null,
  };
}

/** GET /v1/models (newest first, `limit`, `after_id`, `before_id`). */
export function listModels(catalog: readonly ModelSpec[], query: URLSearchParams) {
  const all = catalog.map(modelInfo);
  const limit = Math.min(1000, Math.max(1, Number(query.get("limit") ?? 20) || 20));
  const after = query.get("after_id");
  const before = query.get("before_id");
  let start = after ? all.findIndex((m) => m.id === after) + 1 : 0;
  let end = all.length;
  if (before) {
    const idx = all.findIndex((m) => m.id === before);
    end = idx < 0 ? all.length : idx;
    start = Math.max(0, end - limit);
  }
  const data = all.slice(start, Math.min(end, start + limit));
  return { data, has_more: before ? start > 0 : start + limit < end, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
}

/** GET /v1/models/:id (ids and aliases). */
export function getModel(catalog: readonly ModelSpec[], id: string): ModelInfoJson {
  const index = catalog.findIndex((m) => m.model === id || m.aliases.includes(id));
  const spec = catalog[index];
  if (!spec) throw new SimApiError(404, `model: ${id}`);
  return modelInfo(spec, index);
}
