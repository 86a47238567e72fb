import { cx } from "@/components/ui";

/**
 * The "Simulated" marker: shown wherever a result produced by the built-in simulator appears, so
 * nobody mistakes simulated output for Claude's.
 */
export function SimulatedBadge({ size = "md", className }: { size?: "md" | "lg"; className?: string }) {
  return (
    <span
      data-testid="simulated-badge"
      title="Answered by Promptdeck's Claude simulator, not by Claude (no ANTHROPIC_API_KEY is set)"
      className={cx(
        "inline-flex items-center gap-1.5 rounded-md border border-warning/40 bg-warning/15 font-semibold tracking-wide text-warning uppercase",
        size === "lg" ? "px-2.5 py-1 text-xs" : "px-1.5 py-0.5 text-xxs",
        className,
      )}
    >
      <span aria-hidden="true" className="size-1.5 rounded-full bg-warning" />
      Simulated
    </span>
  );
}
