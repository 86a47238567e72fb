/**
 * TanStack Query keys, one factory per resource so invalidation can target a whole subtree
 * (e.g. `queryKeys.project(slug).all` invalidates everything cached for a project).
 */
export const queryKeys = {
  all: ["promptdeck"] as const,
  project: (projectSlug: string) => {
    const base = ["promptdeck", "project", projectSlug] as const;
    return {
      all: base,
      prompts: () => [...base, "prompts"] as const,
      prompt: (name: string) => [...base, "prompts", name] as const,
      promptVersions: (name: string) => [...base, "prompts", name, "versions"] as const,
      /** messages.countTokens figures for the editor's current template (system, messages, model). */
      tokenCount: (promptId: string, templateJson: string) => [...base, "prompts", "token-count", promptId, templateJson] as const,
      preview: (name: string, versionId: string, variablesHash: string) =>
        [...base, "prompts", name, "preview", versionId, variablesHash] as const,
      experiments: () => [...base, "experiments"] as const,
      experiment: (id: string) => [...base, "experiments", id] as const,
      experimentResults: (id: string) => [...base, "experiments", id, "results"] as const,
      metrics: (filters: Record<string, string | number | undefined>) => [...base, "metrics", filters] as const,
      datasets: () => [...base, "datasets"] as const,
      dataset: (id: string) => [...base, "datasets", id] as const,
      evalRun: (id: string) => [...base, "eval-runs", id] as const,
      members: () => [...base, "members"] as const,
      apiKeys: () => [...base, "api-keys"] as const,
    };
  },
};
