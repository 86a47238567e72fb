"use client";

import { useCallback, useEffect, useMemo, useReducer, useState, useSyncExternalStore } from "react";
import { useMutation } from "@tanstack/react-query";
import type { ModelSpec } from "@/lib/models/catalog";
import type { ActionResult } from "@/lib/http/action-result";
import { normalizeAcknowledgements } from "@/lib/prompts/cache";
import { versionContentIssues, type PromptVersionContent } from "@/lib/prompts/schemas";
import { editDocument } from "./editor-edits";
import { acknowledgedLocations, draftJson, fromContent, openedDraftJson, toContent } from "./editor-model";
import { createDraftSaver, initialSaveState, type SavedDraft } from "./save-state";

const AUTOSAVE_MS = 1000;

/** A save got no answer: the health check tells a database outage (503) from an unreachable server. */
async function diagnoseSaveFailure(): Promise<"database" | "unreachable"> {
  try {
    const response = await fetch("/api/health", { cache: "no-store" });
    return response.status === 503 ? "database" : "unreachable";
  } catch {
    return "unreachable";
  }
}

/** saveDraftAction (app/.../edit/actions.ts), passed down by the edit page. */
export type SaveDraftAction = (input: {
  project: string;
  promptId: string;
  content: PromptVersionContent;
  acknowledged: string[];
  lockVersion: number;
}) => Promise<ActionResult<SavedDraft>>;

export interface EditorStateOptions {
  project: string;
  promptId: string;
  initialContent: PromptVersionContent;
  initialAcknowledged: string[];
  /** The draft's lock version, or -1 when no draft exists yet. */
  lockVersion: number;
  basedOn: string | null;
  models: ModelSpec[];
  saveDraft: SaveDraftAction;
}

/**
 * The draft being edited: the working copy and its edits (`dispatch`), the stored content it
 * converts to with its form and shape problems, and the save loop: debounced autosave of
 * everything the stored shape can hold (shape problems included: the draft is saved and the
 * problems shown; form problems wait), `saveNow` (explicit saves also send content with form
 * problems, to show the server's answer), the lock-version handshake and the conflict stop.
 */
export function useEditorState(options: EditorStateOptions) {
  const { project, promptId, models, saveDraft } = options;
  const [doc, dispatch] = useReducer(editDocument, options, (o) => fromContent(o.initialContent, o.initialAcknowledged));

  const { content, issues: formIssues } = useMemo(() => toContent(doc), [doc]);
  // Acknowledged variable-before-breakpoint locations that apply (the same rule the server stores).
  const acknowledged = useMemo(() => normalizeAcknowledgements(content, acknowledgedLocations(doc)), [content, doc]);
  // What a save sends: the content and the acknowledgements (review state, outside the content hash).
  const contentJson = useMemo(() => draftJson(content, acknowledged), [content, acknowledged]);
  const shapeIssues = useMemo(() => versionContentIssues(content, { catalog: models }), [content, models]);
  // A draft with shape problems (a blank block, an enum without values...) is still saved, with
  // its problems shown; only form problems, which the stored shape cannot hold (max_tokens "lots",
  // a schema that is not JSON), keep the autosave waiting. Counting tokens needs well-formed content.
  const savable = formIssues.length === 0;
  const wellFormed = savable && shapeIssues.length === 0;

  const mutation = useMutation({
    mutationFn: (input: { content: PromptVersionContent; acknowledged: string[]; lockVersion: number }) => saveDraft({ project, promptId, ...input }),
  });
  // One saver per editor session (the page remounts the editor for another draft); mutateAsync
  // is stable for the mutation's lifetime.
  const [saver] = useState(() =>
    createDraftSaver(
      initialSaveState(options.lockVersion, openedDraftJson(options.initialContent, options.initialAcknowledged), options.basedOn),
      mutation.mutateAsync,
      diagnoseSaveFailure,
    ),
  );
  const save = useSyncExternalStore(saver.subscribe, saver.getState, saver.getState);
  const dirty = contentJson !== save.savedJson;
  const conflicted = save.status.kind === "conflict";

  const saveNow = useCallback(() => saver.save({ json: contentJson, content, acknowledged }), [saver, contentJson, content, acknowledged]);

  // A failed save's error ends when the editor holds what was last saved again.
  useEffect(() => {
    if (!dirty && save.status.kind === "error") saver.undone();
  }, [dirty, save.status.kind, saver]);

  // Debounced autosave of everything the stored shape can hold.
  useEffect(() => {
    if (!dirty || conflicted || !savable) return;
    const timer = setTimeout(() => void saveNow(), AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [contentJson, dirty, conflicted, savable, saveNow]);

  return { doc, dispatch, content, acknowledged, formIssues, shapeIssues, savable, wellFormed, save, dirty, conflicted, saveNow };
}
