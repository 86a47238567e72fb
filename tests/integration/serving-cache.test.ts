// Cache invalidation across app instances: two servers in one process, each with its own cache
// and its own change feed on the shared database. A release through one (or through the UI's
// mutations) is served by the other within 1 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { ChangeFeed } from "@/lib/serving/change-feed";
import { moveLabel, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import {
  bearer,
  getJson,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  sleep,
  startApiServer,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

let a: RunningServer;
let b: RunningServer;
let ctx: TestProject;
let readKey: string;
let writeKey: string;
let promptId: string;

async function versionServedBy(server: RunningServer, query = ""): Promise<{ version: string; cache: string | null }> {
  const res = await getJson<{ version: string }>(`${server.url}/api/v1/prompts/faq${query}`, bearer(readKey));
  expect(res.status).toBe(200);
  return { version: res.body.version, cache: res.headers.get("x-promptdeck-cache") };
}

/** Polls until `server` serves `expected`; returns how long it took. */
async function waitForVersion(server: RunningServer, expected: string, query = "", limitMs = 1000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const { version } = await versionServedBy(server, query);
    if (version === expected) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`still serving ${version} after ${limitMs} ms, expected ${expected}`);
    await sleep(20);
  }
}

beforeAll(async () => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  // Long max age: only the change feed can make these instances notice a release.
  a = await startApiServer({ changeFeed: { connectionString: url }, cache: { maxAgeMs: 3_600_000 } });
  b = await startApiServer({ changeFeed: { connectionString: url }, cache: { maxAgeMs: 3_600_000 } });
  ctx = await makeTestProject();
  readKey = (await ctx.key(["prompts:read"])).key;
  writeKey = (await ctx.key(["prompts:read", "prompts:write", "admin"])).key;
  promptId = await publishPrompt(ctx.admin, "faq", [simpleContent("You answer FAQs.")]);
  // With the polling feed (PGlite), let both instances observe the new prompt once, so that
  // observation cannot invalidate the cache in the middle of the first assertions.
  await sleep(800);
});

afterAll(async () => {
  await a.close();
  await b.close();
});

describe("cache invalidation across instances", () => {
  it("both feeds are up (LISTEN/NOTIFY when it works, else fingerprint polling)", () => {
    expect(a.handler.feed?.mode).toMatch(/^(listen|poll)$/);
    expect(a.handler.feed?.isHealthy).toBe(true);
    expect(b.handler.feed?.isHealthy).toBe(true);
  });

  it("a publish + label move through instance A is served by instance B within 1 s", async () => {
    expect(await versionServedBy(a)).toEqual({ version: "1.0.0", cache: "miss" });
    expect(await versionServedBy(b)).toEqual({ version: "1.0.0", cache: "miss" });
    expect((await versionServedBy(b)).cache).toBe("hit");

    const doc = {
      changelog: "Friendlier",
      publish: true,
      request: {
        model: "claude-sonnet-5-5",
        max_tokens: 512,
        system: "You answer FAQs warmly and briefly, citing the FAQ entry.",
        messages: [{ role: "user", content: "Question: {{question}} (limit {{limit}})" }],
      },
      variables: simpleContent().variables,
    };
    const published = await sendJson<{ version: string }>("POST", `${a.url}/api/v1/prompts/faq/versions`, doc, bearer(writeKey));
    expect(published.status).toBe(201);
    const moved = await sendJson("PUT", `${a.url}/api/v1/prompts/faq/labels/production`, { version: published.body.version }, bearer(writeKey));
    expect(moved.status).toBe(200);
    // A invalidated locally at once; B learns it from the feed.
    expect((await versionServedBy(a)).version).toBe(published.body.version);
    const took = await waitForVersion(b, published.body.version);
    expect(took).toBeLessThan(1000);
  });

  it("a release made directly through lib/prompts/mutations (the editor's path) reaches both instances", async () => {
    const warmA = await versionServedBy(a, "?version=%5E1");
    const warmB = await versionServedBy(b, "?version=%5E1");
    expect(warmA.version).toBe(warmB.version);
    await saveDraft(ctx.admin, { promptId, content: simpleContent("You answer FAQs for the hardware store in one short sentence.") });
    const next = await publishDraft(ctx.admin, { promptId, changelog: "store" });
    const expected = `${next.major}.${next.minor}.${next.patch}`;
    expect(expected).not.toBe(warmA.version);
    expect(await waitForVersion(a, expected, "?version=%5E1")).toBeLessThan(1000);
    expect(await waitForVersion(b, expected, "?version=%5E1")).toBeLessThan(1000);

    // Rolling production back via the mutation also propagates.
    const first = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 0, patch: 0 } });
    await moveLabel(ctx.admin, { promptId, label: "production", versionId: first.id });
    expect(await waitForVersion(a, "1.0.0")).toBeLessThan(1000);
    expect(await waitForVersion(b, "1.0.0")).toBeLessThan(1000);
  });

  it("the Langfuse view and the prompt lists on instance B follow a release made on instance A", async () => {
    const basic = { Authorization: `Basic ${Buffer.from(`pk-lf-any:${readKey}`).toString("base64")}` };
    const langfuseVersionOnB = async () => {
      const res = await getJson<{ version: number; config: { promptdeck_version: string } }>(`${b.url}/api/public/v2/prompts/faq`, basic);
      expect(res.status).toBe(200);
      return { version: res.body.config.promptdeck_version, cache: res.headers.get("x-promptdeck-cache") };
    };
    const listedOnB = async () => {
      const v1 = await getJson<{ data: { name: string }[] }>(`${b.url}/api/v1/prompts?limit=100`, bearer(readKey));
      const lf = await getJson<{ data: { name: string }[] }>(`${b.url}/api/public/v2/prompts?limit=100`, basic);
      return { v1: v1.body.data.map((p) => p.name), langfuse: lf.body.data.map((p) => p.name) };
    };
    const before = await langfuseVersionOnB();
    expect((await langfuseVersionOnB()).cache).toBe("hit");
    expect((await listedOnB()).v1).not.toContain("faq-extra");

    const moved = await sendJson("PUT", `${a.url}/api/v1/prompts/faq/labels/production`, { version: "1.1.0" }, bearer(writeKey));
    expect(moved.status).toBe(200);
    expect(before.version).not.toBe("1.1.0");
    const doc = {
      changelog: "New prompt",
      publish: true,
      request: {
        model: "claude-sonnet-5-5",
        max_tokens: 256,
        system: "You answer extra questions.",
        messages: [{ role: "user", content: "{{question}} {{limit}}" }],
      },
      variables: simpleContent().variables,
    };
    expect((await sendJson("POST", `${a.url}/api/v1/prompts/faq-extra/versions`, doc, bearer(writeKey))).status).toBe(201);

    const started = Date.now();
    for (;;) {
      const [served, listed] = await Promise.all([langfuseVersionOnB(), listedOnB()]);
      if (served.version === "1.1.0" && listed.v1.includes("faq-extra") && listed.langfuse.includes("faq-extra")) break;
      if (Date.now() - started > 1000) throw new Error(`B still serves ${served.version} and lists ${JSON.stringify(listed)}`);
      await sleep(20);
    }
  });

  it("the polling feed notices a label moved away and back between two polls", async () => {
    const changes: string[] = [];
    const feed = new ChangeFeed(
      { connectionString: process.env.DATABASE_URL ?? "", mode: "poll", pollIntervalMs: 300, log: () => {} },
      { onChange: (_projectId, name) => changes.push(name), onReset: () => {}, onHealth: () => {} },
    );
    await feed.start();
    try {
      await sleep(400); // the first poll has taken its snapshot
      const current = await getDb().label.findFirstOrThrow({ where: { promptId, name: "production" } });
      const other = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, status: "PUBLISHED", id: { not: current.versionId } } });
      changes.length = 0;
      // A -> B -> A well inside one poll interval: the label ends where it started.
      await moveLabel(ctx.admin, { promptId, label: "production", versionId: other.id });
      await moveLabel(ctx.admin, { promptId, label: "production", versionId: current.versionId });
      const started = Date.now();
      while (!changes.includes("faq") && Date.now() - started < 2000) await sleep(20);
      expect(changes).toContain("faq");
    } finally {
      await feed.stop();
    }
  });

  it("a warm request does not touch the database", async () => {
    await versionServedBy(b);
    const loads: string[] = [];
    const spy = await startApiServer({
      changeFeed: false,
      cache: {
        loader: async (projectId, name, selector) => {
          loads.push(name);
          const { loadServedVersion } = await import("@/lib/serving/served-version");
          return loadServedVersion(projectId, name, selector);
        },
      },
    });
    try {
      for (let i = 0; i < 5; i++) await versionServedBy(spy);
      expect(loads).toEqual(["faq"]);
    } finally {
      await spy.close();
    }
  });
});
