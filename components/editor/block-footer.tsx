"use client";

import { Badge, cx } from "@/components/ui";
import { CacheToggle } from "./cache-toggle";
import type { BlockState, CacheFigures } from "./editor-model";

/**
 * Under each template block: its cache toggle, its token estimate and the running prefix, the
 * cached-prefix badge when it is a breakpoint, and the acknowledgement of {{variables}} before it.
 */
export function BlockFooter({
  location,
  block,
  onPatch,
  label,
  figures,
}: {
  location: string;
  block: BlockState;
  onPatch: (patch: Partial<BlockState>) => void;
  label: string;
  figures: CacheFigures;
}) {
  const r = figures.blockAt.get(location);
  const bp = figures.breakpointAt.get(location);
  const min = figures.minCacheableTokens;
  return (
    <div className="flex flex-wrap items-center gap-2 text-xxs text-fg-muted">
      <CacheToggle value={block.cache} onChange={(cache) => onPatch({ cache })} label={label} />
      <span data-testid={`tokens-${location}`}>
        ~{r?.tokens ?? 0} tokens · prefix ~{r?.prefixTokens ?? 0} <span className="italic">(estimate)</span>
      </span>
      {bp ? (
        <Badge tone={bp.meetsMinimum ? "success" : "warning"} data-testid={`breakpoint-${location}`} data-counted={bp.counted ? "true" : "false"}>
          cached prefix {bp.counted ? "" : "~"}
          {bp.prefixTokens.toLocaleString("en")} tokens{min ? ` / min ${min.toLocaleString("en")}` : ""} ({bp.counted ? "counted by the API" : "estimate"})
        </Badge>
      ) : null}
      {bp && bp.variablesInPrefix.length > 0 ? (
        <label
          className={cx("flex items-center gap-1", bp.acknowledged ? "text-warning" : "text-danger")}
          title="The cached prefix changes whenever these variables do; acknowledge only if that is intended (e.g. one cache entry per tenant). Stored with the version."
        >
          <input
            type="checkbox"
            checked={bp.acknowledged}
            onChange={(e) => onPatch({ acknowledged: e.target.checked })}
            data-testid={`editor-ack-${location}`}
          />
          {bp.acknowledged ? "acknowledged:" : "acknowledge"} {bp.variablesInPrefix.map((v) => `{{${v}}}`).join(", ")} before this breakpoint
        </label>
      ) : null}
    </div>
  );
}
