import { describe, expect, it } from "vitest";
import type { ActionResult } from "@/lib/http/action-result";
import { supportAssistantContent as content } from "@/lib/prompts/fixtures/support-assistant";
import {
  createDraftSaver,
  describeSave,
  shownSaveStatus,
  initialSaveState,
  saveReducer,
  UNREACHABLE_MESSAGE,
  DATABASE_DOWN_MESSAGE,
  MAX_DRAFT_BYTES,
  draftTooLargeMessage,
  type SavedDraft,
  type SaveState,
  type SendDraft,
} from "@/components/editor/save-state";

const ok = (lockVersion: number, savedAt = "2026-03-01T10:00:00.000Z"): ActionResult<SavedDraft> => ({ ok: true, data: { lockVersion, savedAt } });
const conflict: ActionResult<SavedDraft> = { ok: false, code: "conflict", message: "The draft was changed by someone else" };
const invalid: ActionResult<SavedDraft> = {
  ok: false,
  code: "unprocessable",
  message: "Invalid prompt version",
  issues: [{ path: "messages", message: "at least one message" }],
};
const draft = (json: string) => ({ json, content, acknowledged: [] });

describe("saveReducer", () => {
  const start = initialSaveState(3, "saved", "1.2.0");

  it("starts clean with the lock version and the saved JSON the editor opened with", () => {
    expect(start).toEqual({ status: { kind: "clean" }, lockVersion: 3, savedJson: "saved", basedOn: "1.2.0" });
  });

  it("a successful save takes the new lock version, the saved JSON and the time, and ends 'based on'", () => {
    const saving = saveReducer(start, { type: "started" });
    expect(saving).toEqual({ ...start, status: { kind: "saving" } });
    expect(saveReducer(saving, { type: "finished", json: "next", result: ok(4) })).toEqual({
      status: { kind: "clean", at: "2026-03-01T10:00:00.000Z" },
      lockVersion: 4,
      savedJson: "next",
      basedOn: null,
    });
  });

  it("a conflict keeps the lock version and the saved JSON", () => {
    const next = saveReducer(saveReducer(start, { type: "started" }), { type: "finished", json: "next", result: conflict });
    expect(next).toEqual({ ...start, status: { kind: "conflict", message: "The draft was changed by someone else" } });
  });

  it("signed out (session expired) is an error that offers sign-in, not a generic failure", () => {
    const next = saveReducer(start, {
      type: "finished",
      json: "x",
      result: { ok: false, code: "unauthenticated", message: "You are signed out: sign in again, then retry." },
    });
    expect(next.status).toEqual({ kind: "error", message: "You are signed out: sign in again, then retry.", signedOut: true });
    expect(next.savedJson).toBe("saved");
  });

  it("any other failure is an error with the server's message and issues", () => {
    const next = saveReducer(saveReducer(start, { type: "started" }), { type: "finished", json: "next", result: invalid });
    expect(next.status).toEqual({ kind: "error", message: "Invalid prompt version", issues: [{ path: "messages", message: "at least one message" }] });
    expect(next.lockVersion).toBe(3);
    expect(next.savedJson).toBe("saved");
  });
});

describe("describeSave", () => {
  const time = () => "10:00:00";
  const state = (status: SaveState["status"], basedOn: string | null = null): SaveState => ({ status, lockVersion: 1, savedJson: "", basedOn });
  const clean = { dirty: false, invalid: false };
  const dirty = { dirty: true, invalid: false };
  const invalid = { dirty: true, invalid: true };

  it("says where the draft stands, the save state first, then the edits", () => {
    expect(describeSave(state({ kind: "conflict", message: "x" }), invalid, time).text).toBe("Not saved: conflict");
    expect(describeSave(state({ kind: "saving" }), invalid, time).text).toBe("Saving…");
    expect(describeSave(state({ kind: "error", message: "x" }), dirty, time).text).toBe("Save failed");
    expect(describeSave(state({ kind: "clean" }), invalid, time).text).toBe("Not saved: fix the errors below");
    expect(describeSave(state({ kind: "clean", at: "2026-03-01T10:00:00.000Z" }), dirty, time).text).toBe("Unsaved changes");
    expect(describeSave(state({ kind: "clean", at: "2026-03-01T10:00:00.000Z" }), clean, time).text).toBe("Saved 10:00:00");
    expect(describeSave(state({ kind: "clean" }, "starter"), clean, time).text).toBe("No draft yet");
    expect(describeSave(state({ kind: "clean" }), clean, time).text).toBe("All changes saved");
  });

  it("flags errors, conflicts and invalid edits", () => {
    expect(describeSave(state({ kind: "error", message: "x" }), dirty, time).alarm).toBe(true);
    expect(describeSave(state({ kind: "conflict", message: "x" }), clean, time).alarm).toBe(true);
    expect(describeSave(state({ kind: "clean" }), invalid, time).alarm).toBe(true);
    expect(describeSave(state({ kind: "clean" }), dirty, time).alarm).toBe(false);
    expect(describeSave(state({ kind: "saving" }), clean, time).alarm).toBe(false);
  });

  it("a failed save is no longer shown once the editor holds what was last saved again (the refused edit undone)", () => {
    const failed = state({ kind: "error", message: "content.modelConfig.tools.0.description: must not contain NUL characters" });
    expect(describeSave(failed, clean, time)).toMatchObject({ text: "All changes saved", alarm: false, canSave: false });
    expect(shownSaveStatus(failed.status, false)).toEqual({ kind: "clean" });
    expect(shownSaveStatus(failed.status, true)).toBe(failed.status);
    expect(shownSaveStatus({ kind: "conflict", message: "x" }, false)).toEqual({ kind: "conflict", message: "x" });
    // ...and the saver forgets it, so the next edit does not bring "Save failed" back.
    expect(saveReducer(failed, { type: "undone" }).status).toEqual({ kind: "clean" });
    expect(saveReducer(state({ kind: "conflict", message: "x" }), { type: "undone" }).status).toEqual({ kind: "conflict", message: "x" });
  });

  it("Save works for unsaved changes, not while saving or after a conflict", () => {
    expect(describeSave(state({ kind: "clean" }), dirty, time).canSave).toBe(true);
    expect(describeSave(state({ kind: "error", message: "x" }), invalid, time).canSave).toBe(true);
    expect(describeSave(state({ kind: "clean" }), clean, time).canSave).toBe(false);
    expect(describeSave(state({ kind: "saving" }), dirty, time).canSave).toBe(false);
    expect(describeSave(state({ kind: "conflict", message: "x" }), dirty, time).canSave).toBe(false);
  });

  it("Publish needs a draft (or changes that create one) and no conflict", () => {
    expect(describeSave(state({ kind: "clean" }), clean, time).canPublish).toBe(true);
    expect(describeSave(state({ kind: "clean" }, "1.2.0"), clean, time).canPublish).toBe(false);
    expect(describeSave(state({ kind: "clean" }, "1.2.0"), dirty, time).canPublish).toBe(true);
    expect(describeSave(state({ kind: "conflict", message: "x" }), dirty, time).canPublish).toBe(false);
  });
});

/** A fake saveDraftAction whose answers the test releases one by one. */
function fakeServer() {
  const calls: { lockVersion: number; resolve: (r: ActionResult<SavedDraft>) => void; reject: (e: unknown) => void }[] = [];
  const send: SendDraft = (input) =>
    new Promise((resolve, reject) => {
      calls.push({ lockVersion: input.lockVersion, resolve, reject });
    });
  return { calls, send };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("createDraftSaver", () => {
  it("saves, reports each state change, and skips a draft that is already saved", async () => {
    const server = fakeServer();
    const saver = createDraftSaver(initialSaveState(-1, "opened", "starter"), server.send);
    const seen: string[] = [];
    const unsubscribe = saver.subscribe(() => seen.push(saver.getState().status.kind));

    expect(await saver.save(draft("opened"))).toBe(true);
    expect(server.calls).toHaveLength(0);

    const first = saver.save(draft("a"));
    expect(saver.getState().status.kind).toBe("saving");
    expect(server.calls.map((c) => c.lockVersion)).toEqual([-1]);
    server.calls[0]!.resolve(ok(0));
    expect(await first).toBe(true);
    expect(saver.getState()).toMatchObject({ lockVersion: 0, savedJson: "a", basedOn: null });
    expect(seen).toEqual(["saving", "clean"]);

    unsubscribe();
    expect(await saver.save(draft("a"))).toBe(true);
    expect(server.calls).toHaveLength(1);
  });

  it("a save requested while one is in flight waits for it and sends the lock version it returned", async () => {
    const server = fakeServer();
    const saver = createDraftSaver(initialSaveState(3, "opened", null), server.send);
    const first = saver.save(draft("a"));
    const second = saver.save(draft("b"));
    const third = saver.save(draft("c"));
    await tick();
    expect(server.calls.map((c) => c.lockVersion)).toEqual([3]); // one at a time

    server.calls[0]!.resolve(ok(4));
    await tick();
    expect(server.calls.map((c) => c.lockVersion)).toEqual([3, 4]);
    server.calls[1]!.resolve(ok(5));
    await tick();
    expect(server.calls.map((c) => c.lockVersion)).toEqual([3, 4, 5]);
    server.calls[2]!.resolve(ok(6));
    expect(await Promise.all([first, second, third])).toEqual([true, true, true]);
    expect(saver.getState()).toMatchObject({ lockVersion: 6, savedJson: "c" });
  });

  it("a queued save of what the in-flight one saves sends nothing", async () => {
    const server = fakeServer();
    const saver = createDraftSaver(initialSaveState(3, "opened", null), server.send);
    const first = saver.save(draft("a"));
    const again = saver.save(draft("a"));
    server.calls[0]!.resolve(ok(4));
    expect(await Promise.all([first, again])).toEqual([true, true]);
    expect(server.calls).toHaveLength(1);
  });

  it("after a conflict every save is refused without asking the server, queued ones included", async () => {
    const server = fakeServer();
    const saver = createDraftSaver(initialSaveState(3, "opened", null), server.send);
    const first = saver.save(draft("a"));
    const queued = saver.save(draft("b"));
    server.calls[0]!.resolve(conflict);
    expect(await Promise.all([first, queued])).toEqual([false, false]);
    expect(await saver.save(draft("c"))).toBe(false);
    expect(server.calls).toHaveLength(1);
    expect(saver.getState().status).toEqual({ kind: "conflict", message: "The draft was changed by someone else" });
  });

  it("an error keeps the last saved state, and the next save may succeed", async () => {
    const server = fakeServer();
    const saver = createDraftSaver(initialSaveState(3, "opened", null), server.send);
    const failed = saver.save(draft("a"));
    server.calls[0]!.resolve(invalid);
    expect(await failed).toBe(false);
    expect(saver.getState()).toMatchObject({ lockVersion: 3, savedJson: "opened", status: { kind: "error" } });
    const retried = saver.save(draft("a"));
    await tick();
    expect(server.calls[1]!.lockVersion).toBe(3);
    server.calls[1]!.resolve(ok(4));
    expect(await retried).toBe(true);
  });

  it("a request that never reaches the server is an error, not a save stuck in 'saving'", async () => {
    const server = fakeServer();
    const saver = createDraftSaver(initialSaveState(3, "opened", null), server.send);
    const failed = saver.save(draft("a"));
    server.calls[0]!.reject(new TypeError("Failed to fetch"));
    expect(await failed).toBe(false);
    expect(saver.getState().status).toEqual({ kind: "error", message: UNREACHABLE_MESSAGE });
  });

  it("a request the server refused because its database is down says so (the health check answers 503)", async () => {
    const server = fakeServer();
    let asked = 0;
    const saver = createDraftSaver(initialSaveState(3, "opened", null), server.send, async () => {
      asked++;
      return "database";
    });
    const failed = saver.save(draft("a"));
    server.calls[0]!.reject(new Error("An unexpected response was received from the server."));
    expect(await failed).toBe(false);
    expect(asked).toBe(1);
    expect(saver.getState().status).toEqual({ kind: "error", message: DATABASE_DOWN_MESSAGE });
    expect(saver.getState().savedJson).toBe("opened");
  });

  it("a draft over the size a save can carry is named before anything is sent (Next would refuse the request)", async () => {
    const server = fakeServer();
    const saver = createDraftSaver(initialSaveState(3, "opened", null), server.send);
    // 400k three-byte characters: 1.2 MB in UTF-8 though only 400k UTF-16 units.
    const big = JSON.stringify({ text: "€".repeat(400_000) });
    expect(await saver.save(draft(big))).toBe(false);
    expect(server.calls).toHaveLength(0);
    const status = saver.getState().status;
    expect(status.kind).toBe("error");
    expect(status.kind === "error" && status.message).toMatch(/^This draft is 1\.20 MB; a version may be at most 1\.00 MB\./);
    // Just under the limit it goes out.
    expect(draftTooLargeMessage("x".repeat(MAX_DRAFT_BYTES))).toBeNull();
    expect(draftTooLargeMessage("x".repeat(MAX_DRAFT_BYTES + 1))).not.toBeNull();
    const fits = saver.save(draft("small"));
    await tick();
    expect(server.calls).toHaveLength(1);
    server.calls[0]!.resolve(ok(4));
    expect(await fits).toBe(true);
  });
});
