import semver from "semver";
import { z } from "zod";
import type { PrismaClient } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { ModelSpec } from "@/lib/models/catalog";
import { hashVersionContent } from "@/lib/prompts/content-hash";
import { DEFAULT_LABEL } from "@/lib/prompts/labels";
import { versionLabel } from "@/lib/prompts/queries";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import { versionFits } from "@/lib/prompts/versioning";

/**
 * Which prompt version an eval run means, frozen: "1.2.0" (an exact published version), "draft"
 * (the prompt's draft as it is now) or a label ("production"). The content is copied into the run
 * (`EvalRunVersion.snapshot`) with its hash, so editing the draft, moving the label or deleting
 * the version while the run works does not change what it measures.
 */

/** What a caller may name: an exact version, "draft", or a label (letters, digits, . _ -). */
export const versionSelectorSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'a version ("1.2.0"), "draft" or a label name');

export interface VersionSnapshot {
  promptId: string;
  versionId: string;
  /** "1.2.0", or "draft". */
  display: string;
  status: "DRAFT" | "PUBLISHED";
  contentHash: string;
  content: PromptVersionContent;
}

type Db = Pick<PrismaClient, "promptVersion" | "label">;

type VersionRow = {
  id: string;
  promptId: string;
  major: number;
  minor: number;
  patch: number;
  status: string;
  system: unknown;
  messages: unknown;
  variables: unknown;
  modelConfig: unknown;
  outputSchema: unknown;
  policy: unknown;
};

/** Freezes one version row (content parsed against the price book's models). */
export function snapshotOf(row: VersionRow, catalog: readonly ModelSpec[]): VersionSnapshot {
  const content = parseVersionContent(row, { catalog });
  return {
    promptId: row.promptId,
    versionId: row.id,
    display: versionLabel(row),
    status: row.status === "DRAFT" ? "DRAFT" : "PUBLISHED",
    contentHash: hashVersionContent(content),
    content,
  };
}

/**
 * Resolves `selector` for the prompt `promptName` (id `promptId`): "draft", an exact published
 * version, or a label. `fallbackToLatest`: when the selector is the default label and the prompt
 * has no such label, take the newest published version (judge prompts). Throws
 * `AppError("unprocessable")` naming the prompt and what is missing.
 */
export async function resolveVersion(
  db: Db,
  prompt: { id: string; name: string },
  selector: string,
  catalog: readonly ModelSpec[],
  options: { fallbackToLatest?: boolean } = {},
): Promise<VersionSnapshot> {
  let row: VersionRow | null = null;
  if (selector === "draft") {
    row = await db.promptVersion.findFirst({ where: { promptId: prompt.id, status: "DRAFT" } });
    if (!row) throw new AppError("unprocessable", `Prompt "${prompt.name}" has no draft`);
  } else if (semver.valid(selector)) {
    const v = semver.parse(selector)!;
    // 2147483648.0.0 is valid semver but no stored version (int4 columns): not found, without asking.
    if (!versionFits(v)) throw new AppError("unprocessable", `Prompt "${prompt.name}" has no published version ${selector}`);
    row = await db.promptVersion.findFirst({ where: { promptId: prompt.id, status: "PUBLISHED", major: v.major, minor: v.minor, patch: v.patch } });
    if (!row) throw new AppError("unprocessable", `Prompt "${prompt.name}" has no published version ${selector}`);
  } else {
    const label = await db.label.findUnique({ where: { promptId_name: { promptId: prompt.id, name: selector } }, include: { version: true } });
    row = label?.version ?? null;
    if (!row && options.fallbackToLatest && selector === DEFAULT_LABEL) {
      row = await db.promptVersion.findFirst({
        where: { promptId: prompt.id, status: "PUBLISHED" },
        orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }],
      });
      if (!row) throw new AppError("unprocessable", `Prompt "${prompt.name}" has no published version to use`);
    }
    if (!row) throw new AppError("unprocessable", `Prompt "${prompt.name}" has no version or label "${selector}"`);
  }
  return snapshotOf(row, catalog);
}

/** The snapshot stored on EvalRunVersion.snapshot / in the run's judges, read back. */
export function readSnapshot(json: unknown): VersionSnapshot {
  return json as VersionSnapshot;
}
