import { createHash } from "node:crypto";
import { getDb } from "@/lib/db/client";
import { resolvePublishedVersion, versionLabel } from "@/lib/prompts/queries";
import { toVersionDocument, type VersionDocument } from "@/lib/prompts/document";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";

/** Which published version a caller asks for: a label (default production) or a semver version/range. */
export type Selector = { label: string; version?: undefined } | { version: string; label?: undefined };

/** The version document as served: the document plus its `etag`. */
export type ServedDocument = VersionDocument & { etag: string };

/** A resolved version ready to answer with: parsed content for rendering, pre-serialized body. */
export interface ServedVersion {
  projectId: string;
  promptId: string;
  versionId: string;
  name: string;
  version: string;
  labels: string[];
  content: PromptVersionContent;
  document: ServedDocument;
  /** `JSON.stringify(document)` as UTF-8, computed once per load. */
  body: Buffer;
  /** The strong ETag value without quotes. */
  etag: string;
}

/** A stable key for a selector ("l:production", "v:^1.2"). */
export function selectorKey(selector: Selector): string {
  return selector.version !== undefined ? `v:${selector.version}` : `l:${selector.label}`;
}

/** Builds the served form of a version row (pure). The ETag is a hash of the document. */
export function buildServedVersion(input: {
  projectId: string;
  promptId: string;
  versionId: string;
  name: string;
  version: string;
  labels: string[];
  changelog: string;
  content: PromptVersionContent;
}): ServedVersion {
  const doc = toVersionDocument({ name: input.name, version: input.version, labels: input.labels, changelog: input.changelog, content: input.content });
  const etag = createHash("sha256").update(JSON.stringify(doc)).digest("base64url").slice(0, 27);
  const document: ServedDocument = { ...doc, etag };
  return {
    projectId: input.projectId,
    promptId: input.promptId,
    versionId: input.versionId,
    name: input.name,
    version: input.version,
    labels: document.labels,
    content: input.content,
    document,
    body: Buffer.from(JSON.stringify(document)),
    etag,
  };
}

/**
 * Reads what `selector` resolves to from the database (through `resolvePublishedVersion`, which
 * throws AppError bad_request / not_found naming what was asked) with the labels pointing at it.
 */
export async function loadServedVersion(projectId: string, name: string, selector: Selector): Promise<ServedVersion> {
  const row = await resolvePublishedVersion(projectId, name, selector.version !== undefined ? { version: selector.version } : { label: selector.label });
  const labels = await getDb().label.findMany({ where: { versionId: row.id }, select: { name: true } });
  return buildServedVersion({
    projectId,
    promptId: row.promptId,
    versionId: row.id,
    name,
    version: versionLabel(row),
    labels: labels.map((l) => l.name),
    changelog: row.changelog,
    content: parseVersionContent(row),
  });
}
