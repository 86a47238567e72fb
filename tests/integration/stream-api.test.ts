// GET /api/v1/stream against real PostgreSQL: a label move made through another connection (and
// another instance) reaches the stream; resume after a drop with Last-Event-ID; reset for an
// unknown id; bad key, scope, filter; the per-key limit; shutdown ends streams; the typed client
// switches versions within a second of a move.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptdeckClient, type PromptChangeEvent } from "@/lib/client";
import { SseParser, type ParsedSseEvent } from "@/lib/client/sse";
import { getDb } from "@/lib/db/client";
import { moveLabel, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import { bearer, getJson, makeTestProject, publishPrompt, simpleContent, sleep, startApiServer, type RunningServer, type TestProject } from "./serving-helpers";

let a: RunningServer;
let b: RunningServer;
let ctx: TestProject;
let readKey: string;
let promptId: string;
/** The two versions of "stream-faq" (production starts at the second). */
const versions: { id: string; version: string }[] = [];

/** An open stream read with the client's SSE parser: events as they arrive, and the head. */
interface OpenStream {
  status: number;
  events: ParsedSseEvent[];
  comments: string[];
  ended: Promise<void>;
  /** Resolves with the first event matching `test` (received before or after the call). */
  next(test: (e: ParsedSseEvent) => boolean, timeoutMs?: number): Promise<ParsedSseEvent>;
  close(): void;
}

async function openStream(server: RunningServer, key: string, options: { query?: string; lastEventId?: string } = {}): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await fetch(`${server.url}/api/v1/stream${options.query ?? ""}`, {
    headers: bearer(key, options.lastEventId ? { "Last-Event-ID": options.lastEventId } : {}),
    signal: abort.signal,
  });
  const events: ParsedSseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const parser = new SseParser({
    onEvent: (e) => {
      events.push(e);
      for (const w of waiters) w();
    },
    onComment: (c) => comments.push(c),
  });
  const ended = (async () => {
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        parser.push(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted
    }
  })();
  return {
    status: response.status,
    events,
    comments,
    ended,
    next(test, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(test);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}

const V = (i: 0 | 1) => versions[i]!.version;
const moved = (version: string) => (e: ParsedSseEvent) => e.event === "label.moved" && (JSON.parse(e.data) as PromptChangeEvent).version === version;

async function move(to: { id: string }) {
  await moveLabel(ctx.admin, { promptId, label: "production", versionId: to.id });
}

/** Moves production to the version it does not serve now; returns that version. */
async function toggle(): Promise<string> {
  const label = await getDb().label.findUniqueOrThrow({ where: { promptId_name: { promptId, name: "production" } } });
  const to = label.versionId === versions[0]!.id ? versions[1]! : versions[0]!;
  await move(to);
  return to.version;
}

beforeAll(async () => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  a = await startApiServer({ changeFeed: { connectionString: url }, stream: { maxPerKey: 3, heartbeatMs: 300 } });
  b = await startApiServer({ changeFeed: { connectionString: url } });
  ctx = await makeTestProject();
  readKey = (await ctx.key(["prompts:read"])).key;
  promptId = await publishPrompt(ctx.admin, "stream-faq", [simpleContent("One."), simpleContent("Two.")]);
  for (const v of await getDb().promptVersion.findMany({ where: { promptId }, orderBy: { major: "asc" } }))
    versions.push({ id: v.id, version: `${v.major}.${v.minor}.${v.patch}` });
  // With the polling feed (PGlite) the instances observe the new prompt once first.
  await sleep(800);
});

afterAll(async () => {
  await a.close();
  await b.close();
});

describe("GET /api/v1/stream: refused before the stream starts", () => {
  it("answers a bad key 401 and a key without prompts:read 403, as JSON", async () => {
    const bad = await getJson<{ error: { code: string } }>(`${a.url}/api/v1/stream`, bearer("pd_not_a_key"));
    expect(bad.status).toBe(401);
    expect(bad.headers.get("content-type")).toContain("application/json");
    expect(bad.body.error.code).toBe("unauthorized");
    const none = await getJson<{ error: { code: string } }>(`${a.url}/api/v1/stream`);
    expect(none.status).toBe(401);
    const callsOnly = (await ctx.key(["calls:write"])).key;
    const wrong = await getJson<{ error: { code: string; message: string } }>(`${a.url}/api/v1/stream`, bearer(callsOnly));
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.message).toContain("prompts:read");
  });

  it("answers a bad prompt filter or an unknown parameter 400", async () => {
    for (const query of [
      "?prompt=Not%20A%20Name",
      "?prompt=",
      "?prompt=a,,b",
      "?prompt=../x",
      `?prompt=${Array.from({ length: 51 }, (_, i) => `p${i}`).join(",")}`,
      "?label=x",
    ]) {
      const answer = await getJson<{ error: { code: string; message: string } }>(`${a.url}/api/v1/stream${query}`, bearer(readKey));
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code).toBe("bad_request");
    }
  });

  it("limits open streams per key with a clear 429", async () => {
    const key = (await ctx.key(["prompts:read"])).key;
    const open = [await openStream(a, key), await openStream(a, key), await openStream(a, key)];
    for (const s of open) expect(s.status).toBe(200);
    const refused = await getJson<{ error: { code: string; message: string } }>(`${a.url}/api/v1/stream`, bearer(key));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.body.error.message).toContain("3 open streams");
    // Another key is not affected; a closed stream gives its slot back.
    const other = await openStream(a, readKey);
    expect(other.status).toBe(200);
    other.close();
    open[0]?.close();
    await sleep(200);
    const again = await openStream(a, key);
    expect(again.status).toBe(200);
    for (const s of [...open, again]) s.close();
  });
});

describe("GET /api/v1/stream: live events", () => {
  it("sends a label move made through another connection, with name, label, version and event id, and heartbeats", async () => {
    const stream = await openStream(a, readKey);
    expect(stream.status).toBe(200);
    await sleep(100);
    await move(versions[0]!);
    const event = await stream.next(moved(V(0)));
    const data = JSON.parse(event.data) as PromptChangeEvent;
    expect(data).toMatchObject({ type: "label.moved", prompt: "stream-faq", label: "production", version: V(0), previousVersion: V(1) });
    expect(event.lastEventId).toBe(data.id);
    expect(data.id).toMatch(/^evt_[0-9a-f]{32}$/);
    const stored = await getDb().projectEvent.findUnique({ where: { id: data.id } });
    expect(stored?.type).toBe("label.moved");
    await sleep(700);
    expect(stream.comments).toContain("heartbeat");
    stream.close();
  });

  it("reaches a stream on another instance, and a filter keeps other prompts out", async () => {
    const otherPrompt = await publishPrompt(ctx.admin, "stream-other", [simpleContent("Other.")]);
    await sleep(500);
    const onB = await openStream(b, readKey, { query: "?prompt=stream-faq" });
    await sleep(100);
    await saveDraft(ctx.admin, { promptId: otherPrompt, content: simpleContent("Other 2.") });
    await publishDraft(ctx.admin, { promptId: otherPrompt, changelog: "two", labels: ["production"] });
    await move(versions[1]!);
    await onB.next(moved(V(1)));
    expect(onB.events.every((e) => (JSON.parse(e.data) as PromptChangeEvent).prompt === "stream-faq")).toBe(true);
    onB.close();
  });
});

describe("GET /api/v1/stream: resume", () => {
  it("replays what was missed after a drop, from Last-Event-ID", async () => {
    const first = await openStream(a, readKey);
    await sleep(100);
    await move(versions[0]!);
    const seen = await first.next(moved(V(0)));
    first.close();
    // Missed while disconnected:
    await move(versions[1]!);
    await move(versions[0]!);
    const missed = await getDb().projectEvent.findMany({
      where: { projectId: ctx.projectId, type: "label.moved" },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 2,
    });
    const [second, first2] = missed.map((e) => e.id);
    const resumed = await openStream(a, readKey, { lastEventId: seen.lastEventId });
    const back = await resumed.next((e) => e.lastEventId === first2);
    const again = await resumed.next((e) => e.lastEventId === second);
    expect(JSON.parse(back.data)).toMatchObject({ version: V(1), previousVersion: V(0) });
    expect(JSON.parse(again.data)).toMatchObject({ version: V(0), previousVersion: V(1) });
    expect(resumed.events.indexOf(back)).toBeLessThan(resumed.events.indexOf(again));
    // The anchor itself is not sent again.
    expect(resumed.events.some((e) => e.lastEventId === seen.lastEventId && e.event === "label.moved")).toBe(false);
    resumed.close();
  });

  it("answers an unknown or malformed Last-Event-ID with event: reset carrying the newest id", async () => {
    for (const id of ["evt_00000000000000000000000000000000", "garbage"]) {
      const stream = await openStream(a, readKey, { lastEventId: id });
      expect(stream.status).toBe(200);
      const reset = await stream.next((e) => e.event === "reset");
      expect((JSON.parse(reset.data) as { reason: string }).reason).toMatch(/reload everything/);
      const newest = await getDb().projectEvent.findFirst({
        where: { projectId: ctx.projectId, type: { in: ["label.moved", "version.published"] } },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      });
      expect(reset.lastEventId).toBe(newest?.id);
      stream.close();
    }
  });

  it("resets a resume from another project's event id (ids do not leak across projects)", async () => {
    const other = await makeTestProject();
    await publishPrompt(other.admin, "elsewhere", [simpleContent("x")]);
    const foreign = await getDb().projectEvent.findFirst({ where: { projectId: other.projectId, type: "label.moved" } });
    const stream = await openStream(a, readKey, { lastEventId: foreign?.id });
    await stream.next((e) => e.event === "reset");
    expect(stream.events.some((e) => e.data.includes("elsewhere"))).toBe(false);
    stream.close();
  });
});

describe("GET /api/v1/stream: shutdown", () => {
  it("ends open streams and refuses new ones with 503", async () => {
    const url = process.env.DATABASE_URL ?? "";
    const c = await startApiServer({ changeFeed: { connectionString: url } });
    const stream = await openStream(c, readKey);
    expect(stream.status).toBe(200);
    c.handler.closeStreams();
    await stream.ended;
    const refused = await getJson<{ error: { code: string } }>(`${c.url}/api/v1/stream`, bearer(readKey));
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("unavailable");
    await c.close();
  });
});

describe("typed client subscribe", () => {
  it("switches versions within a second of a label move made on another instance, and keeps cached copies fresh past the TTL while connected", async () => {
    const changes: PromptChangeEvent[] = [];
    const client = new PromptdeckClient({ baseUrl: b.url, apiKey: readKey, cacheTtlMs: 50, subscribe: { onChange: (e) => changes.push(e) } });
    const subscription = client.subscribe();
    await subscription.ready;
    expect(subscription.connected).toBe(true);
    await move(versions[1]!);
    await sleep(300);
    const before = await client.getPrompt("stream-faq");
    expect(before.prompt.version).toBe(V(1));
    await sleep(200);
    // Past the 50 ms TTL, still from the cache: the stream would have said otherwise.
    expect((await client.getPrompt("stream-faq")).source).toBe("cache");
    const movedAt = Date.now();
    await move(versions[0]!);
    let served = before.prompt.version;
    while (served !== V(0)) {
      if (Date.now() - movedAt > 1_000) throw new Error(`still serving ${served} one second after the move`);
      await sleep(10);
      served = (await client.getPrompt("stream-faq")).prompt.version;
    }
    expect(changes.some((c) => c.version === V(0) && c.label === "production")).toBe(true);
    client.close();
    expect(subscription.connected).toBe(false);
  });

  it("reconnects with Last-Event-ID after the server drops it, and stops on a bad key", async () => {
    const url = process.env.DATABASE_URL ?? "";
    const c = await startApiServer({ changeFeed: { connectionString: url } });
    const statuses: boolean[] = [];
    const client = new PromptdeckClient({ baseUrl: c.url, apiKey: readKey, subscribe: { reconnectBaseMs: 50, onStatus: (s) => statuses.push(s) } });
    const subscription = client.subscribe();
    await subscription.ready;
    const waitFor = async (test: () => boolean) => {
      const started = Date.now();
      while (!test()) {
        if (Date.now() - started > 5_000) throw new Error("timed out");
        await sleep(20);
      }
    };
    await toggle();
    await waitFor(() => subscription.lastEventId !== "");
    const before = subscription.lastEventId;
    // The instance drops its streams (as one shutting down would) but stays up: the client comes back and resumes.
    c.handler.streams.disconnectAll();
    await toggle();
    await waitFor(() => statuses.filter((s) => s).length >= 2 && subscription.lastEventId !== before);
    expect(statuses).toEqual([true, false, true]);
    client.close();
    await c.close();

    const errors: { status: number; fatal: boolean }[] = [];
    const bad = new PromptdeckClient({ baseUrl: a.url, apiKey: "pd_nope", subscribe: { onError: (e, fatal) => errors.push({ status: e.status, fatal }) } });
    await waitFor(() => errors.length > 0);
    await sleep(200);
    expect(errors).toEqual([{ status: 401, fatal: true }]);
    bad.close();
  });
});
