import type { ModelSpec } from "@/lib/models/catalog";
import { getPriceBook } from "@/lib/models/pricing";

/**
 * The model catalog with current prices for pages (model selects, cost previews): the
 * `ModelPrice` rows merged over the seed catalog by the shared price book (`lib/models/pricing`),
 * which falls back to the seed when the table is empty or unreachable. Never rejects.
 * Plain data, safe to pass to client components as props.
 */
export async function listModelSpecs(): Promise<ModelSpec[]> {
  return [...(await getPriceBook().catalog())];
}
