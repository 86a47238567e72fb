/**
 * TanStack Query keys, one factory per resource so invalidation can target a whole subtree
 * (e.g. `queryKeys.project(slug).all` invalidates everything cached for a project). Add a key
 * here when a client component starts fetching a resource; none is kept ahead of use.
 */
export const queryKeys = {
  project: (projectSlug: string) => {
    const base = ["promptdeck", "project", projectSlug] as const;
    return {
      all: base,
      /** messages.countTokens figures for the editor's current template (system, messages, model). */
      tokenCount: (promptId: string, templateJson: string) => [...base, "prompts", "token-count", promptId, templateJson] as const,
      /** The editor's snippet includes resolved for one set of templates and variables. */
      includes: (promptId: string, templateJson: string) => [...base, "prompts", "includes", promptId, templateJson] as const,
      experimentResults: (id: string) => [...base, "experiments", id, "results"] as const,
      /** An eval run's status, progress, summaries, baseline comparison and judge calibration (polled while it runs). */
      evalRun: (runId: string) => [...base, "evals", runId, "run"] as const,
      /** An eval run's per-item results, keyset-paged, for one filter. */
      evalResults: (runId: string, filter: string) => [...base, "evals", runId, "results", filter] as const,
      /** A batch job for apps: status, counts per outcome, cost (polled while it runs). */
      batchJob: (jobId: string) => [...base, "batches", jobId] as const,
      metrics: (filters: Record<string, string | number | undefined>) => [...base, "metrics", filters] as const,
      /** The call explorer's pages for one set of filters. */
      calls: (filters: Record<string, string | undefined>) => [...base, "calls", filters] as const,
      /** A dataset's item pages for one version and filter. */
      datasetItems: (dataset: string, filters: Record<string, string | number | undefined>) => [...base, "datasets", dataset, "items", filters] as const,
    };
  },
};
