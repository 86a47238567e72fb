import type { ErrorIssue } from "@/lib/errors";
import type { ActionResult } from "@/lib/http/action-result";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

/**
 * The draft editor's save state machine, framework-free. A save goes clean|error -> saving ->
 * clean (new lock version) | conflict (someone else saved: terminal, the editor asks for a
 * reload) | error (the server's message and issues; the next save may succeed). `createDraftSaver`
 * runs the lock-version handshake with the server: one save at a time, each sending the lock
 * version the previous one returned.
 */
export type SaveStatus =
  | { kind: "clean"; at?: string }
  | { kind: "saving" }
  | { kind: "error"; message: string; issues?: ErrorIssue[]; signedOut?: true }
  | { kind: "conflict"; message: string };

export interface SaveState {
  status: SaveStatus;
  /** The draft's lock version the next save sends; -1 while no draft exists (the first save creates it). */
  lockVersion: number;
  /** `draftJson` of what the server last accepted: the editor is dirty while its own differs. */
  savedJson: string;
  /** The version the editor started from while there is no draft ("1.2.0" or "starter"); null once saved. */
  basedOn: string | null;
}

/** What saveDraftAction returns on success. */
export interface SavedDraft {
  lockVersion: number;
  savedAt: string;
}

export type SaveEvent = { type: "started" } | { type: "finished"; json: string; result: ActionResult<SavedDraft> } | { type: "undone" };

/** The message shown when the save request itself failed (no answer from the server). */
export const UNREACHABLE_MESSAGE = "The save did not reach the server; check the connection and save again";
/** The message shown when the server answered but its database is unavailable (503). */
export const DATABASE_DOWN_MESSAGE = "The database is unavailable right now: your edits are kept in this page; save again in a moment";

/**
 * The largest draft one save sends, in UTF-8 bytes of its `draftJson`. Next refuses a server
 * action body over 1 MiB before the action runs (the editor would only see a failed request), and
 * the API takes a version document of at most 1 MiB, so a larger draft could never be saved or
 * published: it is named here, before it is sent.
 */
export const MAX_DRAFT_BYTES = 1_000_000;

/** The form message for a draft over MAX_DRAFT_BYTES, or null when it fits. */
export function draftTooLargeMessage(json: string): string | null {
  const bytes = new TextEncoder().encode(json).length;
  if (bytes <= MAX_DRAFT_BYTES) return null;
  const mb = (n: number) => `${(n / 1_000_000).toFixed(2)} MB`;
  return `This draft is ${mb(bytes)}; a version may be at most ${mb(MAX_DRAFT_BYTES)}. Shorten the longest text (or move reference documents out), then save again.`;
}

/**
 * Why a save request got no usable answer: `database` when the server says its database is down
 * (the editor asks /api/health), `unreachable` otherwise. Injected so this module stays framework-free.
 */
export type DiagnoseFailure = () => Promise<"database" | "unreachable">;

/** The start state: nothing saved in this session yet. */
export function initialSaveState(lockVersion: number, savedJson: string, basedOn: string | null): SaveState {
  return { status: { kind: "clean" }, lockVersion, savedJson, basedOn };
}

/** One transition of the save state machine. */
export function saveReducer(state: SaveState, event: SaveEvent): SaveState {
  if (event.type === "started") return { ...state, status: { kind: "saving" } };
  // The editor holds what was last saved again: a failed save's error is over (a conflict is not).
  if (event.type === "undone") return state.status.kind === "error" ? { ...state, status: { kind: "clean" } } : state;
  const { result } = event;
  if (result.ok) return { status: { kind: "clean", at: result.data.savedAt }, lockVersion: result.data.lockVersion, savedJson: event.json, basedOn: null };
  if (result.code === "conflict") return { ...state, status: { kind: "conflict", message: result.message } };
  // Signed out (session expired): the editor keeps the edits and offers sign-in in a new tab.
  if (result.code === "unauthenticated") return { ...state, status: { kind: "error", message: result.message, signedOut: true } };
  return { ...state, status: { kind: "error", message: result.message, issues: result.issues } };
}

/**
 * The status to show: a failed save stops being news once the editor holds what was last saved
 * again (the user undid the edit the server refused), so it shows as saved, without the banner.
 */
export function shownSaveStatus(status: SaveStatus, dirty: boolean): SaveStatus {
  return status.kind === "error" && !dirty ? { kind: "clean" } : status;
}

/** The save bar: its status line, whether that line is a problem, and which buttons work. */
export interface SaveBar {
  text: string;
  alarm: boolean;
  canSave: boolean;
  canPublish: boolean;
}

/**
 * The save bar for a save state and the editor's edits: `dirty` (differs from what was saved),
 * `invalid` (dirty but not savable, so the autosave waits); `formatTime` shows a save time.
 */
export function describeSave(
  state: SaveState,
  edits: { dirty: boolean; invalid: boolean },
  formatTime: (iso: string) => string = (iso) => new Date(iso).toLocaleTimeString(),
): SaveBar {
  const { basedOn } = state;
  const { dirty, invalid } = edits;
  const status = shownSaveStatus(state.status, dirty);
  const conflicted = status.kind === "conflict";
  const text =
    status.kind === "conflict"
      ? "Not saved: conflict"
      : status.kind === "saving"
        ? "Saving…"
        : status.kind === "error"
          ? "Save failed"
          : invalid
            ? "Not saved: fix the errors below"
            : dirty
              ? "Unsaved changes"
              : status.at
                ? `Saved ${formatTime(status.at)}`
                : basedOn
                  ? "No draft yet"
                  : "All changes saved";
  return {
    text,
    alarm: status.kind === "error" || conflicted || invalid,
    canSave: !conflicted && status.kind !== "saving" && dirty,
    // Without a draft there is nothing to publish until the first change creates one.
    canPublish: !conflicted && !(basedOn !== null && !dirty),
  };
}

/** What one save sends: the content and its acknowledgements, and their `draftJson`. */
export interface DraftToSave {
  json: string;
  content: PromptVersionContent;
  acknowledged: string[];
}

export type SendDraft = (draft: { content: PromptVersionContent; acknowledged: string[]; lockVersion: number }) => Promise<ActionResult<SavedDraft>>;

export interface DraftSaver {
  getState: () => SaveState;
  /** Calls `listener` after every change of state; returns the unsubscribe function. */
  subscribe: (listener: () => void) => () => void;
  /**
   * Saves `draft` unless it is what was last saved: waits for a save in flight first, then sends
   * the lock version that one returned. Resolves true when the draft is saved, false on a
   * conflict (then every later save is refused), an error or an unreachable server.
   */
  save: (draft: DraftToSave) => Promise<boolean>;
  /** The editor holds what was last saved again (the refused edit undone): a failed save's error clears, so it does not resurface with the next edit. */
  undone: () => void;
}

/** The save loop of one editor session (`send` is saveDraftAction bound to the prompt). */
export function createDraftSaver(initial: SaveState, send: SendDraft, diagnose: DiagnoseFailure = async () => "unreachable"): DraftSaver {
  let state = initial;
  let inflight: Promise<boolean> | null = null;
  const listeners = new Set<() => void>();
  const dispatch = (event: SaveEvent) => {
    state = saveReducer(state, event);
    for (const listener of listeners) listener();
  };

  const run = async (draft: DraftToSave): Promise<boolean> => {
    dispatch({ type: "started" });
    let result: ActionResult<SavedDraft>;
    const tooLarge = draftTooLargeMessage(draft.json);
    if (tooLarge) {
      result = { ok: false, code: "payload_too_large", message: tooLarge };
    } else {
      try {
        result = await send({ content: draft.content, acknowledged: draft.acknowledged, lockVersion: state.lockVersion });
      } catch {
        const cause = await diagnose().catch(() => "unreachable" as const);
        result = { ok: false, code: "internal", message: cause === "database" ? DATABASE_DOWN_MESSAGE : UNREACHABLE_MESSAGE };
      }
    }
    dispatch({ type: "finished", json: draft.json, result });
    return result.ok;
  };

  return {
    getState: () => state,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    undone: () => dispatch({ type: "undone" }),
    save: async (draft) => {
      while (inflight) await inflight;
      if (state.status.kind === "conflict") return false;
      if (draft.json === state.savedJson) return true;
      const current = run(draft);
      inflight = current;
      try {
        return await current;
      } finally {
        if (inflight === current) inflight = null;
      }
    },
  };
}
