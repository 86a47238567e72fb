import { LRUCache } from "lru-cache";
import { getDb } from "@/lib/db/client";
import { childLogger } from "@/lib/logger";
import { versionLabel } from "@/lib/prompts/queries";
import { assignVariant, type Allocation, type AssignableVariant } from "./assignment";
import { parseDesign } from "./queries";

const log = childLogger({ component: "experiment-router" });

/** A RUNNING experiment as the run endpoint needs it. */
export interface RoutedExperiment {
  id: string;
  name: string;
  allocation: Allocation | null;
  variants: Array<AssignableVariant & { version: string; versionId: string }>;
}

/** The RUNNING experiment on a prompt's label, or null. */
export async function loadRunningExperiment(projectId: string, promptName: string, label: string): Promise<RoutedExperiment | null> {
  const row = await getDb().experiment.findFirst({
    where: { status: "RUNNING", labelName: label, prompt: { projectId, name: promptName } },
    include: { variants: { include: { version: { select: { major: true, minor: true, patch: true } } } } },
  });
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    allocation: parseDesign(row.design).allocation,
    variants: row.variants.map((v) => ({
      id: v.id,
      key: v.key,
      weight: v.weight,
      paused: v.pausedAt !== null,
      versionId: v.versionId,
      version: versionLabel(v.version),
    })),
  };
}

interface Entry {
  value: RoutedExperiment | null;
  at: number;
}

/**
 * Per-instance cache of "which experiment runs on prompt+label": entries live `ttlMs` (default
 * 1 s, so even without the change feed every instance routes correctly within about a second) and
 * are dropped at once by `invalidatePrompt` (the serving change feed calls it on every
 * experiment change, which notifies `notifyPromptChanged`). Concurrent misses share one query;
 * when a refresh fails the last known answer is kept (serving must not fail because of it), which
 * is why an entry outlives its TTL (checked here, not by lru-cache). At most `maxEntries` (default
 * 10,000) prompt+label answers are kept, least recently used evicted.
 */
export class ExperimentRouter {
  private readonly entries: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Promise<RoutedExperiment | null>>();
  private generation = 0;

  constructor(
    private readonly options: {
      ttlMs?: number;
      load?: typeof loadRunningExperiment;
      now?: () => number;
      onError?: (error: unknown) => void;
      maxEntries?: number;
    } = {},
  ) {
    this.entries = new LRUCache({ max: options.maxEntries ?? 10_000 });
  }

  private key(projectId: string, name: string, label: string): string {
    return `${projectId}\u0000${name}\u0000${label}`;
  }

  async get(projectId: string, name: string, label: string): Promise<RoutedExperiment | null> {
    const key = this.key(projectId, name, label);
    const now = (this.options.now ?? Date.now)();
    const entry = this.entries.get(key);
    if (entry && now - entry.at < (this.options.ttlMs ?? 1_000)) return entry.value;
    let pending = this.inflight.get(key);
    if (!pending) {
      const generation = this.generation;
      pending = (this.options.load ?? loadRunningExperiment)(projectId, name, label)
        .then((value) => {
          if (generation === this.generation) this.entries.set(key, { value, at: (this.options.now ?? Date.now)() });
          return value;
        })
        .catch((error: unknown) => {
          (this.options.onError ?? ((e) => log.error({ err: e }, "routing lookup failed")))(error);
          return entry?.value ?? null;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Routes one call: the experiment and variant, or null (serve the label as usual). */
  async route(
    projectId: string,
    name: string,
    label: string,
    subject: string | undefined,
  ): Promise<{ experiment: RoutedExperiment; variant: RoutedExperiment["variants"][number] } | null> {
    const experiment = await this.get(projectId, name, label);
    if (!experiment) return null;
    const variant = assignVariant(experiment, subject);
    return variant ? { experiment, variant } : null;
  }

  invalidatePrompt(projectId: string, name: string): void {
    this.generation++;
    const prefix = `${projectId}\u0000${name}\u0000`;
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  invalidateAll(): void {
    this.generation++;
    this.entries.clear();
  }
}
