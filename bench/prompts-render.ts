/**
 * Measures the pure prompt-model hot paths on the seed-sized support prompt (3 system blocks,
 * ~15 KB policy, 2 cache breakpoints, 3 variables): renderVersion (what every serve/run call
 * does), analyzeCache (editor and publish), previewCost, and JSON.stringify of the rendered
 * request as the baseline (the serving API has to serialise the result anyway).
 *
 * Run: npx tsx bench/prompts-render.ts
 */
import { performance } from "node:perf_hooks";
import { analyzeCache } from "@/lib/prompts/cache";
import { previewCost } from "@/lib/prompts/cost";
import { supportAssistantContent } from "@/lib/prompts/fixtures/support-assistant";
import { renderVersion } from "@/lib/prompts/render";

const variables = { question: "My parcel #1234 arrived broken. Can I get a refund?", account_context: "Plan: pro; orders: 12; region: EU" };

function bench(name: string, fn: () => unknown, seconds = 1.5): number {
  for (let i = 0; i < 2000; i++) fn(); // warm up the JIT
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 200; i++) fn();
    ops += 200;
    now = performance.now();
  }
  const perSec = ops / ((now - start) / 1000);
  console.log(`${name.padEnd(44)} ${Math.round(perSec).toLocaleString("en-US").padStart(12)} ops/s  ${(1e6 / perSec).toFixed(2).padStart(8)} µs/op`);
  return perSec;
}

const rendered = renderVersion(supportAssistantContent, variables);
const json = JSON.stringify(rendered);
console.log(`support prompt: ${supportAssistantContent.system.length} system blocks, rendered request ${json.length.toLocaleString("en-US")} bytes of JSON`);
console.log(`node ${process.version}\n`);

bench("baseline: JSON.stringify(rendered request)", () => JSON.stringify(rendered));
bench("renderVersion", () => renderVersion(supportAssistantContent, variables));
bench("renderVersion + JSON.stringify", () => JSON.stringify(renderVersion(supportAssistantContent, variables)));
bench("analyzeCache (offline estimate)", () => analyzeCache(supportAssistantContent));
bench("previewCost", () => previewCost(supportAssistantContent, { expectedOutputTokens: 400, hitRate: 0.8 }));
