"use server";

import { z } from "zod";
import { defineAction } from "@/lib/http/server-action";
import { AppError } from "@/lib/errors";
import { checkDatasetContract, loadPromptContract, type ContractCheck } from "@/lib/datasets/contract";
import { addItems, createDataset, deleteItems, updateItem } from "@/lib/datasets/mutations";
import { getDataset } from "@/lib/datasets/queries";
import { createDatasetSchema, datasetItemInputSchema, datasetItemPatchSchema, itemKeySchema } from "@/lib/datasets/schemas";

// Every write: EDITOR+ (lib re-checks), one lib call. Reads (the contract check): VIEWER+.

const datasetId = z.string().min(1).max(100);

export const createDatasetAction = defineAction(
  { role: "EDITOR", input: createDatasetSchema, invalidMessage: "Invalid dataset" },
  async (input, { actor, project }) => {
    const dataset = await createDataset(project.id, input, actor);
    return { name: dataset.name };
  },
);

export const addItemAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ datasetId, item: datasetItemInputSchema }), invalidMessage: "Invalid item" },
  async (input, { actor }) => {
    const result = await addItems(input.datasetId, [input.item], actor);
    return { version: result.version };
  },
);

export const updateItemAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ datasetId, key: itemKeySchema, patch: datasetItemPatchSchema }), invalidMessage: "Invalid item" },
  async (input, { actor }) => {
    const result = await updateItem(input.datasetId, input.key, input.patch, actor);
    return { version: result.version };
  },
);

export const deleteItemsAction = defineAction(
  { role: "EDITOR", input: z.strictObject({ datasetId, keys: z.array(itemKeySchema).min(1).max(1000) }) },
  async (input, { actor }) => {
    const result = await deleteItems(input.datasetId, input.keys, actor);
    return { version: result.version };
  },
);

/** Checks every item of a version against a prompt's contract (VIEWER+: it only reads). */
export const checkContractAction = defineAction(
  {
    role: "VIEWER",
    input: z.strictObject({
      datasetId,
      version: z.number().int().min(1).max(1_000_000_000),
      prompt: z.string().min(1).max(128),
      promptVersion: z.string().max(64).optional(),
    }),
  },
  async (input, { project }): Promise<ContractCheck> => {
    const dataset = await getDataset(project.id, input.datasetId);
    if (!dataset) throw new AppError("not_found", "Dataset not found");
    const contract = await loadPromptContract(project.id, input.prompt, input.promptVersion || undefined);
    return checkDatasetContract(dataset.id, input.version, contract, { maxProblems: 500 });
  },
);
