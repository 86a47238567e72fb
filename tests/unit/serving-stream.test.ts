// The live stream's pure parts: SSE framing and the client's parser (chunking, line endings,
// comments, ids), the resume plan (Last-Event-ID -> live, replay or reset), and the hub with a
// fake outbox: live events, de-duplication, filters, per-key limit, backpressure, shutdown.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { SseParser, type ParsedSseEvent } from "@/lib/client/sse";
import { AppError } from "@/lib/errors";
import { ServiceUnavailableError } from "@/lib/errors/unavailable";
import { formatSseComment, formatSseEvent, formatSseRetry } from "@/lib/serving/sse";
import { StreamHub, type StreamEventSource, type StreamSink } from "@/lib/serving/stream-hub";
import { parseLastEventId, planReplay, planResume, toPromptChangeEvent, type OutboxRow } from "@/lib/serving/stream-events";

function parseAll(chunks: string[]): { events: ParsedSseEvent[]; comments: string[]; retries: number[] } {
  const events: ParsedSseEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const parser = new SseParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c), onRetry: (ms) => retries.push(ms) });
  for (const chunk of chunks) parser.push(chunk);
  return { events, comments, retries };
}

describe("SSE framing and parsing", () => {
  it("frames id, type and multi-line data, and the parser reads them back whatever the chunking", () => {
    const wire =
      formatSseRetry(2000) +
      formatSseComment("connected") +
      formatSseEvent({ id: "evt_1", event: "label.moved", data: '{"a":1}\nsecond line' }) +
      formatSseEvent({ data: "plain" });
    expect(wire).toBe('retry: 2000\n\n: connected\n\nid: evt_1\nevent: label.moved\ndata: {"a":1}\ndata: second line\n\ndata: plain\n\n');
    const whole = parseAll([wire]);
    expect(whole.events).toEqual([
      { event: "label.moved", data: '{"a":1}\nsecond line', lastEventId: "evt_1" },
      { event: "message", data: "plain", lastEventId: "evt_1" },
    ]);
    expect(whole.comments).toEqual(["connected"]);
    expect(whole.retries).toEqual([2000]);
    // One character at a time: the same events.
    expect(parseAll([...wire]).events).toEqual(whole.events);
  });

  it("accepts CR, LF and CRLF line endings (a CRLF split across chunks is one line end) and a leading BOM", () => {
    const crlf = "\uFEFFid: 7\r\nevent: x\r\ndata: one\r\n\r\n";
    const cr = "id: 8\revent: y\rdata: two\r\r";
    expect(parseAll([crlf]).events).toEqual([{ event: "x", data: "one", lastEventId: "7" }]);
    expect(parseAll(["id: 7\r", "\nevent: x\r", "\ndata: one\r", "\n\r", "\n"]).events).toEqual([{ event: "x", data: "one", lastEventId: "7" }]);
    expect(parseAll([cr]).events).toEqual([{ event: "y", data: "two", lastEventId: "8" }]);
  });

  it("ignores events without data, unknown fields and ids with NUL; an empty id clears it; a partial event waits", () => {
    const parsed = parseAll(["id: a\nevent: nothing\n\n", "foo: bar\ndata: x\n\n", "id: b\u0000c\ndata: y\n\n", "id:\ndata: z\n\n", "data: partial"]);
    expect(parsed.events).toEqual([
      { event: "message", data: "x", lastEventId: "a" },
      { event: "message", data: "y", lastEventId: "a" },
      { event: "message", data: "z", lastEventId: "" },
    ]);
  });

  it("refuses ids and types that would forge fields", () => {
    expect(() => formatSseEvent({ id: "a\nevent: reset", data: "x" })).toThrow(/line break/);
    expect(() => formatSseEvent({ event: "a\r", data: "x" })).toThrow(/line break/);
    expect(formatSseComment("two\nlines")).toBe(": two lines\n\n");
  });
});

const row = (id: string, at: number, prompt = "faq", type = "label.moved"): OutboxRow => ({
  id,
  type,
  data: { prompt, label: "production", version: `1.0.${at}`, previousVersion: null },
  createdAt: new Date(at),
});
const ID = (n: number) => `evt_${n.toString(16).padStart(32, "0")}`;

describe("resume plan", () => {
  it("goes live without Last-Event-ID, resets a malformed one, looks up the rest", () => {
    expect(parseLastEventId(undefined)).toEqual({ kind: "live" });
    expect(parseLastEventId("  ")).toEqual({ kind: "live" });
    expect(parseLastEventId("42").kind).toBe("reset");
    expect(parseLastEventId(` ${ID(1)} `)).toEqual({ kind: "lookup", id: ID(1) });
  });

  it("resets an unknown id and replays after a known one, without the anchor, resetting beyond the limit", () => {
    expect(planResume(ID(1), null).kind).toBe("reset");
    expect(planResume(ID(1), { createdAt: new Date(5) })).toEqual({ kind: "replay", after: { id: ID(1), createdAt: new Date(5) } });
    const rows = [row(ID(1), 1), row(ID(2), 2), row(ID(3), 3, "faq", "experiment.started")];
    const plan = planReplay(ID(1), rows, 10);
    expect(plan.kind === "replay" && plan.events.map((e) => e.id)).toEqual([ID(2)]);
    expect(planReplay(ID(1), rows, 1).kind).toBe("reset");
  });

  it("maps outbox rows to change events (publish: no label) and skips other types or unreadable data", () => {
    expect(toPromptChangeEvent(row(ID(1), 1, "faq", "version.published"))).toMatchObject({ type: "version.published", label: null, previousVersion: null });
    expect(toPromptChangeEvent({ ...row(ID(1), 1), data: { nope: true } })).toBeNull();
    expect(toPromptChangeEvent(row(ID(1), 1, "faq", "eval.completed"))).toBeNull();
  });
});

class FakeSink extends EventEmitter implements StreamSink {
  chunks: string[] = [];
  writableLength = 0;
  destroyed = false;
  ended = false;
  /** Bytes "sent" per write; a stalled sink keeps them queued. */
  stalled = false;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    if (this.stalled) this.writableLength += chunk.length;
    return !this.stalled;
  }
  end(): void {
    this.ended = true;
    this.emit("close");
  }
  destroy(): void {
    this.destroyed = true;
    this.emit("close");
  }
  get text(): string {
    return this.chunks.join("");
  }
}

function fakeSource(rows: OutboxRow[]): StreamEventSource & { rows: OutboxRow[] } {
  return {
    rows,
    findEventTime: (_p, id) => Promise.resolve(rows.find((r) => r.id === id) ?? null),
    loadEvents: (_p, position, limit) =>
      Promise.resolve(
        rows
          .filter((r) =>
            "from" in position
              ? r.createdAt >= position.from
              : r.createdAt > position.after.createdAt || (r.createdAt.getTime() === position.after.createdAt.getTime() && r.id > position.after.id),
          )
          .slice(0, limit),
      ),
    tailStart: () => Promise.resolve({ now: new Date(100_000), recent: rows.map((r) => ({ id: r.id, createdAt: r.createdAt })) }),
    latestEventId: () => Promise.resolve(rows[rows.length - 1]?.id ?? null),
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("stream hub", () => {
  it("sends each new outbox event once to matching streams, after a replay, without repeating replayed ids", async () => {
    const source = fakeSource([row(ID(1), 99_000)]);
    const hub = new StreamHub({ source });
    const all = new FakeSink();
    const only = new FakeSink();
    (await hub.open({ projectId: "p", apiKeyId: "k", prompts: null })).attach(all);
    (await hub.open({ projectId: "p", apiKeyId: "k", prompts: new Set(["other"]) })).attach(only);
    source.rows.push(row(ID(2), 100_500));
    hub.onChange("p");
    hub.onChange("p");
    await flush();
    await flush();
    expect(all.text.match(new RegExp(ID(2), "g"))?.length).toBe(2); // the id line and the JSON
    expect(all.text).not.toContain(ID(1));
    expect(only.text).not.toContain(ID(2));
    // A resume from ID(1) replays ID(2) (committed, not yet read by the tail: it is not sent twice).
    source.rows.push(row(ID(3), 100_600));
    const resumed = new FakeSink();
    (await hub.open({ projectId: "p", apiKeyId: "k", prompts: null, lastEventId: ID(1) })).attach(resumed);
    hub.onChange("p");
    await flush();
    await flush();
    expect(resumed.text.match(new RegExp(`id: ${ID(3)}`, "g"))?.length).toBe(1);
    expect(resumed.text).toContain(`id: ${ID(2)}`);
    hub.close();
  });

  it("refuses a key past its limit (429) and every stream after close (503); close ends the streams", async () => {
    const hub = new StreamHub({ source: fakeSource([]), maxPerKey: 1 });
    const sink = new FakeSink();
    (await hub.open({ projectId: "p", apiKeyId: "k", prompts: null })).attach(sink);
    await expect(hub.open({ projectId: "p", apiKeyId: "k", prompts: null })).rejects.toSatisfy((e) => e instanceof AppError && e.code === "rate_limited");
    expect(hub.openFor("k")).toBe(1);
    hub.close();
    expect(sink.ended).toBe(true);
    expect(hub.openStreams).toBe(0);
    await expect(hub.open({ projectId: "p", apiKeyId: "k2", prompts: null })).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it("cuts off a client that stops reading once its queue passes the bound (memory stays bounded)", async () => {
    const source = fakeSource([]);
    const hub = new StreamHub({ source, maxBufferedBytes: 1_000 });
    const slow = new FakeSink();
    slow.stalled = true;
    const fast = new FakeSink();
    (await hub.open({ projectId: "p", apiKeyId: "k", prompts: null })).attach(slow);
    (await hub.open({ projectId: "p", apiKeyId: "k", prompts: null })).attach(fast);
    for (let i = 0; i < 20; i++) {
      source.rows.push(row(ID(10 + i), 100_100 + i));
      hub.onChange("p");
      await flush();
      await flush();
    }
    expect(slow.destroyed).toBe(true);
    expect(slow.writableLength).toBeLessThan(1_000 + 400);
    expect(hub.slowClosed).toBe(1);
    expect(fast.destroyed).toBe(false);
    expect(fast.text).toContain(ID(29));
    expect(hub.openStreams).toBe(1);
    hub.close();
  });

  it("answers a resume it cannot serve with a reset carrying the newest id", async () => {
    const source = fakeSource([row(ID(1), 99_000), row(ID(2), 99_500)]);
    const hub = new StreamHub({ source, replayLimit: 5 });
    const sink = new FakeSink();
    (await hub.open({ projectId: "p", apiKeyId: "k", prompts: null, lastEventId: ID(9) })).attach(sink);
    expect(sink.text).toContain(`id: ${ID(2)}\nevent: reset\n`);
    hub.close();
  });
});
