import { createHash } from "node:crypto";
import { canonicalJson } from "@/lib/canonical-json";

/** The six PromptVersion columns that make up a version's content. */
export interface VersionContent {
  system: unknown;
  messages: unknown;
  variables: unknown;
  modelConfig: unknown;
  outputSchema: unknown;
  policy: unknown;
  /** Pinned snippet includes (published versions only); hashed only when there are any. */
  snippets?: unknown;
}

/**
 * Content hash of a version: SHA-256 hex (64 lowercase chars) of the canonical JSON (keys sorted
 * recursively, see `canonicalJson`) of exactly `{ system, messages, variables, modelConfig,
 * outputSchema, policy }`. Key order and extra fields on `content` never change the hash; any
 * change of a value does. Missing `policy`/`outputSchema` are hashed as `null`. `snippets` (the
 * pinned includes) joins the hashed object only when it is a non-empty array, so versions without
 * includes keep the hash they always had, and re-pinning a snippet changes the hash.
 */
export function hashVersionContent(content: VersionContent): string {
  const canonical = canonicalJson({
    system: content.system ?? null,
    messages: content.messages ?? null,
    variables: content.variables ?? null,
    modelConfig: content.modelConfig ?? null,
    outputSchema: content.outputSchema ?? null,
    policy: content.policy ?? null,
    ...(Array.isArray(content.snippets) && content.snippets.length > 0 ? { snippets: content.snippets } : {}),
  });
  return createHash("sha256").update(canonical).digest("hex");
}
