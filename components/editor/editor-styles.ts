/** Class names shared by the editor's form controls. */
export const inputClass =
  "h-8 w-full rounded-md border border-border bg-surface px-2 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";
export const smallLabel = "block text-xxs font-medium tracking-wide text-fg-muted uppercase";
