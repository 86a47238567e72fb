import { getDb } from "@/lib/db/client";
import { AppError, isAppError } from "@/lib/errors";
import { DRAFT_MAJOR, versionLabel } from "@/lib/prompts/queries";
import { resolveVariables } from "@/lib/prompts/render";
import { variablesSchema, type Variables } from "@/lib/prompts/schemas";
import { iterateItems, type DatasetItemView } from "./queries";

/** The variable contract of one prompt version, as items are checked against it. */
export interface PromptContract {
  promptId: string;
  promptName: string;
  versionId: string;
  /** "1.2.0" or "draft". */
  version: string;
  /** Where the version came from: the label it serves, "latest" published, or "draft". */
  source: string;
  variables: Variables;
}

export interface ContractProblem {
  key: string;
  variable: string;
  message: string;
}

export interface ContractCheck {
  contract: Omit<PromptContract, "variables">;
  checked: number;
  fitting: number;
  /** Every problem, up to `maxProblems` (then `truncated`). */
  problems: ContractProblem[];
  truncated: boolean;
}

function parseVariables(json: unknown): Variables {
  const parsed = variablesSchema.safeParse(json);
  return parsed.success ? parsed.data : {};
}

/**
 * The contract a prompt's items are checked against: the given version ("1.2.0" or "draft"), else
 * the production label's version, else the latest published version, else the draft.
 */
export async function loadPromptContract(projectId: string, promptName: string, version?: string): Promise<PromptContract> {
  const db = getDb();
  const prompt = await db.prompt.findUnique({
    where: { projectId_name: { projectId, name: promptName } },
    select: {
      id: true,
      name: true,
      labels: { where: { name: "production" }, select: { version: { select: { id: true, major: true, minor: true, patch: true, variables: true } } } },
      versions: {
        select: { id: true, major: true, minor: true, patch: true, status: true, variables: true },
        orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }],
      },
    },
  });
  if (!prompt) throw new AppError("not_found", `Prompt "${promptName}" does not exist`, { issues: [{ path: "prompt", message: "no such prompt" }] });
  const make = (v: { id: string; major: number; minor: number; patch: number; variables: unknown }, source: string): PromptContract => ({
    promptId: prompt.id,
    promptName: prompt.name,
    versionId: v.id,
    version: versionLabel(v),
    source,
    variables: parseVariables(v.variables),
  });
  if (version) {
    const match = prompt.versions.find((v) => versionLabel(v) === version);
    if (!match)
      throw new AppError("not_found", `Prompt "${promptName}" has no version ${version}`, { issues: [{ path: "version", message: "no such version" }] });
    return make(match, version === "draft" ? "draft" : "version");
  }
  const production = prompt.labels[0]?.version;
  if (production) return make(production, "production");
  const latest = prompt.versions.find((v) => v.major !== DRAFT_MAJOR && v.status === "PUBLISHED");
  if (latest) return make(latest, "latest");
  const draft = prompt.versions.find((v) => v.major === DRAFT_MAJOR);
  if (draft) return make(draft, "draft");
  throw new AppError("not_found", `Prompt "${promptName}" has no version`);
}

/** The problems of one item's variables against a contract (empty when it fits). */
export function itemContractProblems(variables: Record<string, unknown>, contract: Variables): Array<{ variable: string; message: string }> {
  try {
    resolveVariables(contract, variables);
    return [];
  } catch (error) {
    if (!isAppError(error)) throw error;
    return (error.issues ?? [{ path: "variables", message: error.message }]).map((i) => ({ variable: i.path.replace(/^variables\./, ""), message: i.message }));
  }
}

/**
 * Checks every item of a dataset version against a prompt's contract, streaming the items
 * (bounded memory) and listing every problem (item key, variable, message) up to `maxProblems`.
 */
export async function checkDatasetContract(
  datasetId: string,
  version: number,
  contract: PromptContract,
  options: { maxProblems?: number } = {},
): Promise<ContractCheck> {
  const maxProblems = options.maxProblems ?? 1000;
  const problems: ContractProblem[] = [];
  let checked = 0;
  let fitting = 0;
  let truncated = false;
  for await (const page of iterateItems(datasetId, version, 1000)) {
    for (const item of page) {
      checked++;
      const found = itemContractProblems(item.variables, contract.variables);
      if (found.length === 0) fitting++;
      for (const p of found) {
        if (problems.length < maxProblems) problems.push({ key: item.key, ...p });
        else truncated = true;
      }
    }
  }
  const { variables: _variables, ...described } = contract;
  return { contract: described, checked, fitting, problems, truncated };
}

/** Items sampled per dataset version when the list decides which prompts a dataset fits. */
export const FIT_SAMPLE = 200;
const MAX_PROMPTS_CHECKED = 50;
const fitCache = new Map<string, boolean>();

/**
 * For each dataset (at its latest version), the names of the project's prompts whose contract
 * (production, else latest published version) its items fit. Bounded: the first FIT_SAMPLE items
 * per dataset version, at most 50 prompts, each verdict cached per (dataset version, prompt
 * version) since both are immutable.
 */
export async function fittingPrompts(
  projectId: string,
  datasets: ReadonlyArray<{ id: string; latestVersion: number; itemCount: number }>,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(datasets.map((d) => [d.id, []]));
  const withItems = datasets.filter((d) => d.itemCount > 0);
  if (withItems.length === 0) return out;
  const prompts = await getDb().prompt.findMany({
    where: { projectId, archivedAt: null },
    select: {
      name: true,
      labels: { where: { name: "production" }, select: { version: { select: { id: true, variables: true } } } },
      versions: {
        where: { status: "PUBLISHED" },
        select: { id: true, variables: true },
        orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }],
        take: 1,
      },
    },
    orderBy: { updatedAt: "desc" },
    take: MAX_PROMPTS_CHECKED,
  });
  const contracts = prompts.flatMap((p) => {
    const v = p.labels[0]?.version ?? p.versions[0];
    return v ? [{ name: p.name, versionId: v.id, variables: parseVariables(v.variables) }] : [];
  });
  for (const dataset of withItems) {
    const cacheKeys = contracts.map((c) => `${dataset.id}:${dataset.latestVersion}:${c.versionId}`);
    let sample: DatasetItemView[] | null = null;
    for (const [i, c] of contracts.entries()) {
      let fits = fitCache.get(cacheKeys[i]!);
      if (fits === undefined) {
        sample ??= await firstItems(dataset.id, dataset.latestVersion);
        fits = sample.every((item) => itemContractProblems(item.variables, c.variables).length === 0);
        if (fitCache.size > 20_000) fitCache.clear();
        fitCache.set(cacheKeys[i]!, fits);
      }
      if (fits) out.get(dataset.id)!.push(c.name);
    }
  }
  for (const names of out.values()) names.sort();
  return out;
}

async function firstItems(datasetId: string, version: number): Promise<DatasetItemView[]> {
  for await (const page of iterateItems(datasetId, version, FIT_SAMPLE)) return page;
  return [];
}
