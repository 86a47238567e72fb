"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { ActionResult } from "@/lib/http/action-result";
import type { IncludeResolution } from "@/lib/prompts/includes";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { queryKeys } from "@/lib/query-keys";
import { withSignIn } from "@/lib/http/signed-out";
import { useDebounced } from "@/components/use-debounced";
import { includesTemplateJson } from "./editor-model";

/** Pause in typing before the includes are resolved again. */
const INCLUDES_DEBOUNCE_MS = 500;

/** resolveIncludesAction (app/.../edit/actions.ts), passed down by the edit page. */
export type ResolveIncludesAction = (input: { project: string; promptId: string; content: PromptVersionContent }) => Promise<ActionResult<IncludeResolution>>;

const NONE: IncludeResolution = { pins: [], issues: [] };

/**
 * The snippet includes of the editor's content as publishing would pin them now: the page's
 * resolution while the templates are those the editor opened with, nothing while no template
 * includes a snippet, otherwise the server's (`resolve`) once typing has paused and the content is
 * well-formed. Until a new answer is in, the last one stays (so the preview does not flicker).
 */
export function useIncludes(options: {
  project: string;
  promptId: string;
  content: PromptVersionContent;
  wellFormed: boolean;
  initialContent: PromptVersionContent;
  initial: IncludeResolution | undefined;
  resolve: ResolveIncludesAction | undefined;
}): IncludeResolution {
  const { project, promptId, content, wellFormed, resolve } = options;
  const templateJson = useMemo(() => includesTemplateJson(content), [content]);
  const [openedJson] = useState(() => includesTemplateJson(options.initialContent));
  const settledJson = useDebounced(templateJson, INCLUDES_DEBOUNCE_MS);
  const contentRef = useRef(content);
  useEffect(() => {
    contentRef.current = content;
  }, [content]);
  const hasIncludes = templateJson !== null;
  const opened = templateJson === openedJson;
  const query = useQuery({
    queryKey: queryKeys.project(project).includes(promptId, settledJson ?? ""),
    queryFn: async () => {
      const result = await withSignIn(resolve!)({ project, promptId, content: contentRef.current });
      if (!result.ok) throw new Error(result.message);
      return result.data;
    },
    enabled: resolve !== undefined && hasIncludes && !opened && wellFormed && settledJson === templateJson,
    staleTime: Infinity,
    retry: false,
    placeholderData: (previous) => previous,
  });
  if (!hasIncludes) return NONE;
  if (opened) return options.initial ?? NONE;
  return query.data ?? options.initial ?? NONE;
}
