/** Series colours chosen to read on both the light and the dark surface. */
export const SERIES_COLORS = ["#6366f1", "#f59e0b", "#10b981", "#ef4444", "#06b6d4", "#a855f7", "#84cc16", "#ec4899", "#f97316", "#14b8a6"];

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] as string;
}

/** Theme-aware colours via the app's CSS variables (SVG presentation attributes accept var()). */
export const AXIS_COLOR = "rgb(var(--fg-muted))";
export const GRID_COLOR = "rgb(var(--border))";
