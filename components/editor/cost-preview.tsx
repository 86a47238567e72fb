"use client";

import { useMemo, useState } from "react";
import { Card, cx } from "@/components/ui";
import { formatMicros, type ModelSpec } from "@/lib/models/catalog";
import type { CountedTokens } from "@/lib/prompts/cache";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { costPreviewOf } from "./editor-model";
import { inputClass } from "./editor-styles";

/** Cost per call at the catalog prices: cold, warm and blended at an assumed cache hit rate and output length (both adjustable here). */
export function CostPreview({
  content,
  spec,
  counted,
  toolTokens = 0,
  toolCount = 0,
}: {
  content: PromptVersionContent;
  spec: ModelSpec | undefined;
  counted: CountedTokens | undefined;
  /** Estimated tokens of the tool definitions (first in the prefix), shown as part of the input. */
  toolTokens?: number;
  toolCount?: number;
}) {
  const [hitRate, setHitRate] = useState(0.8);
  const [outputTokens, setOutputTokens] = useState(400);
  const cost = useMemo(
    () => costPreviewOf(content, spec, { expectedOutputTokens: outputTokens, hitRate, counted }),
    [content, spec, outputTokens, hitRate, counted],
  );
  return (
    <Card className="p-3" data-testid="cost-preview">
      <h2 className="mb-1.5 text-sm font-semibold">
        Cost per call{" "}
        <span className="text-xxs font-normal text-fg-muted">
          (tokens {cost?.tokensEstimated === false ? "counted by the API" : "estimated"}, prices from the model table)
        </span>
      </h2>
      {cost ? (
        <>
          <dl className="grid grid-cols-2 gap-x-3 gap-y-0.5 text-xs">
            <dt className="text-fg-muted">Input tokens</dt>
            <dd className="text-right font-mono" data-testid="cost-input-tokens">
              {cost.tokensEstimated ? "~" : ""}
              {cost.inputTokens.toLocaleString("en")}
            </dd>
            {toolCount > 0 ? (
              <>
                <dt className="pl-2 text-fg-muted">of which {toolCount === 1 ? "1 tool" : `${toolCount} tools`}</dt>
                <dd className="text-right font-mono" data-testid="cost-tool-tokens">
                  ~{toolTokens.toLocaleString("en")}
                </dd>
              </>
            ) : null}
            <dt className="text-fg-muted">Cached prefix</dt>
            <dd className="text-right font-mono" data-testid="cost-cached-prefix">
              {cost.tokensEstimated ? "~" : ""}
              {cost.cachedPrefixTokens.toLocaleString("en")}
            </dd>
            <dt className="text-fg-muted">Cold (cache write)</dt>
            <dd className="text-right font-mono" data-testid="cost-cold">
              {formatMicros(cost.cold.totalMicros)}
            </dd>
            <dt className="text-fg-muted">Warm (cache read)</dt>
            <dd className="text-right font-mono" data-testid="cost-warm">
              {formatMicros(cost.warm.totalMicros)}
            </dd>
            <dt className="font-medium">Blended at {Math.round(hitRate * 100)}% hits</dt>
            <dd className="text-right font-mono font-medium" data-testid="cost-blended">
              {formatMicros(cost.blendedMicros)}
            </dd>
            <dt className="text-fg-muted">Without caching</dt>
            <dd className="text-right font-mono">{formatMicros(cost.uncachedMicros)}</dd>
          </dl>
          <div className="mt-2 grid grid-cols-2 gap-2">
            <label className="text-xxs text-fg-muted">
              Cache hit rate {Math.round(hitRate * 100)}%
              <input
                type="range"
                min={0}
                max={100}
                value={Math.round(hitRate * 100)}
                onChange={(e) => setHitRate(Number(e.target.value) / 100)}
                className="w-full"
                aria-label="Assumed cache hit rate"
              />
            </label>
            <label className="text-xxs text-fg-muted">
              Output tokens
              <input
                type="number"
                min={0}
                value={outputTokens}
                onChange={(e) => setOutputTokens(Math.max(0, Number(e.target.value) || 0))}
                className={cx(inputClass, "h-7 font-mono text-xs")}
                aria-label="Expected output tokens"
              />
            </label>
          </div>
        </>
      ) : (
        <p className="text-xs text-fg-muted">Choose a model from the catalog to see prices.</p>
      )}
    </Card>
  );
}
