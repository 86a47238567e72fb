"use client";

import { useEffect, useMemo, useRef } from "react";
import { useQuery } from "@tanstack/react-query";
import type { PrefixTokenCounts } from "@/lib/claude/count-tokens";
import type { ActionResult } from "@/lib/http/action-result";
import type { CountedTokens } from "@/lib/prompts/cache";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { queryKeys } from "@/lib/query-keys";
import { countedTokens, tokenSourceOf, type TokenSource } from "./editor-model";
import { withSignIn } from "@/lib/http/signed-out";
import { useDebounced } from "@/components/use-debounced";

/** Pause in typing before the template is counted with messages.countTokens. */
const COUNT_DEBOUNCE_MS = 800;

/** countTokensAction (app/.../edit/actions.ts), passed down by the edit page. */
export type CountTokensAction = (input: { project: string; promptId: string; content: PromptVersionContent }) => Promise<ActionResult<PrefixTokenCounts>>;

/**
 * Token counts for the cached prefixes: messages.countTokens (through `countTokens`) once typing
 * has paused, for well-formed content and only when an API key is configured (`available`);
 * otherwise, and until the figures for the current template are in, the labelled estimate.
 * `counted` is undefined whenever the figures do not belong to the current template.
 */
export function useTokenCount(options: {
  project: string;
  promptId: string;
  content: PromptVersionContent;
  savable: boolean;
  available: boolean;
  countTokens: CountTokensAction;
}): {
  counted: CountedTokens | undefined;
  source: TokenSource;
} {
  const { project, promptId, content, savable, available, countTokens } = options;
  const templateJson = useMemo(() => JSON.stringify({ system: content.system, messages: content.messages, model: content.modelConfig.model }), [content]);
  const settledTemplate = useDebounced(templateJson, COUNT_DEBOUNCE_MS);
  const contentRef = useRef(content);
  useEffect(() => {
    contentRef.current = content;
  }, [content]);
  const settled = settledTemplate === templateJson;
  const countQuery = useQuery({
    queryKey: queryKeys.project(project).tokenCount(promptId, settledTemplate),
    queryFn: async () => {
      const result = await withSignIn(countTokens)({ project, promptId, content: contentRef.current });
      if (!result.ok) throw new Error(result.message);
      return result.data;
    },
    enabled: available && savable && settled,
    staleTime: Infinity,
    retry: false,
  });
  const counted = useMemo(() => (settled && countQuery.data ? countedTokens(countQuery.data) : undefined), [settled, countQuery.data]);
  const source = tokenSourceOf({
    available,
    counted: counted !== undefined,
    savable,
    failure: countQuery.isError && settled ? countQuery.error.message : null,
  });
  return { counted, source };
}
