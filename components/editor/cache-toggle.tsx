"use client";

import { cx } from "@/components/ui";
import type { CacheChoice } from "./editor-model";

/** The cache breakpoint of one block: none, 5 minutes or 1 hour. */
export function CacheToggle({ value, onChange, label }: { value: CacheChoice; onChange: (c: CacheChoice) => void; label: string }) {
  return (
    <div role="radiogroup" aria-label={`Cache breakpoint for ${label}`} className="inline-flex overflow-hidden rounded-md border border-border text-xxs">
      {(["off", "5m", "1h"] as const).map((c) => (
        <button
          key={c}
          type="button"
          role="radio"
          aria-checked={value === c}
          onClick={() => onChange(c)}
          className={cx(
            "px-2 py-0.5",
            value === c ? (c === "off" ? "bg-muted font-semibold text-fg" : "bg-accent font-semibold text-accent-fg") : "text-fg-muted hover:bg-muted",
          )}
          title={c === "off" ? "No cache breakpoint" : `Cache the prefix up to here for ${c === "5m" ? "5 minutes" : "1 hour"}`}
        >
          {c === "off" ? "no cache" : c}
        </button>
      ))}
    </div>
  );
}
