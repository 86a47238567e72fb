// Serving while the database is unreachable: this file's database traffic (Prisma and the change
// feed) goes through a TCP proxy that the test cuts, as a database stop looks to an app instance.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PrismaClient } from "@/lib/db/client";
import { CuttableProxy } from "./cuttable-proxy";
import { bearer, getJson, makeTestProject, publishPrompt, simpleContent, sleep, startApiServer, type ApiError, type RunningServer } from "./serving-helpers";

const proxy = new CuttableProxy(new URL(process.env.DATABASE_URL ?? "postgresql://localhost:5432/postgres"));
const proxied = () => proxy.url();

// Every getDb() in this file (the serving loader, key lookups, test setup) goes through the proxy.
vi.mock("@/lib/db/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/db/client")>();
  let client: PrismaClient | undefined;
  return {
    ...original,
    getDb: () => {
      client ??= original.createPrismaClient(proxied(), 3);
      return client;
    },
  };
});

let server: RunningServer;
let readKey: string;

beforeAll(async () => {
  await proxy.up();
  server = await startApiServer({
    changeFeed: { connectionString: proxied(), pollIntervalMs: 100, reconnectDelayMs: 200, connectTimeoutMs: 500 },
    cache: { loadTimeoutMs: 2_000 },
  });
  const ctx = await makeTestProject();
  readKey = (await ctx.key(["prompts:read"])).key;
  await publishPrompt(ctx.admin, "always-on", [simpleContent("You never go down.")]);
  await publishPrompt(ctx.admin, "never-fetched", [simpleContent("Nobody asked for me.")]);
});

afterAll(async () => {
  await server.close();
  await proxy.down();
  const { getDb } = await import("@/lib/db/client");
  await getDb().$disconnect();
});

async function waitFor(condition: () => boolean, limitMs = 3000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error("condition not met in time");
    await sleep(20);
  }
}

describe("serving during a database outage", () => {
  it("keeps serving cached prompts (saying so), 503s what it never cached, and recovers", async () => {
    const url = `${server.url}/api/v1/prompts/always-on`;
    const warm = await getJson<{ version: string; etag: string }>(url, bearer(readKey));
    expect(warm.status).toBe(200);
    const warmRender = await fetch(`${server.url}/api/v1/prompts/always-on/render`, {
      method: "POST",
      headers: bearer(readKey, { "Content-Type": "application/json" }),
      body: JSON.stringify({ variables: { question: "up?" } }),
    });
    expect(warmRender.status).toBe(200);
    await warmRender.arrayBuffer();
    // The Langfuse-compatible reads and the prompt lists are cached the same way.
    const basic = { Authorization: `Basic ${Buffer.from(`pk-lf-any:${readKey}`).toString("base64")}` };
    const cachedReads = [
      { url: `${server.url}/api/public/v2/prompts/always-on`, headers: basic },
      { url: `${server.url}/api/public/v2/prompts?limit=10`, headers: basic },
      { url: `${server.url}/api/v1/prompts?limit=10`, headers: bearer(readKey) },
    ];
    const warmReads = [];
    for (const read of cachedReads) {
      const response = await getJson(read.url, read.headers);
      expect(response.status).toBe(200);
      warmReads.push(response.body);
    }
    expect(server.handler.feed?.isHealthy).toBe(true);

    await proxy.down();
    await waitFor(() => server.handler.feed?.isHealthy === false);

    const started = Date.now();
    const during = await getJson<{ version: string; etag: string }>(url, bearer(readKey));
    expect(Date.now() - started).toBeLessThan(1_500); // answered from memory, not after the 2 s load timeout
    expect(during.status).toBe(200);
    expect(during.body.etag).toBe(warm.body.etag);
    expect(during.headers.get("x-promptdeck-cache")).toBe("stale");

    const render = await fetch(`${server.url}/api/v1/prompts/always-on/render`, {
      method: "POST",
      headers: bearer(readKey, { "Content-Type": "application/json" }),
      body: JSON.stringify({ variables: { question: "still up?" } }),
    });
    expect(render.status).toBe(200);
    expect(render.headers.get("x-promptdeck-cache")).toBe("stale");
    await render.arrayBuffer();

    for (const [i, read] of cachedReads.entries()) {
      const response = await getJson(read.url, read.headers);
      expect(response.status, read.url).toBe(200);
      expect(response.body, read.url).toEqual(warmReads[i]);
      expect(response.headers.get("x-promptdeck-cache"), read.url).toBe("stale");
    }

    // Even an entry that was invalidated is served (stale) rather than failing.
    server.handler.cache.invalidatePrompt((await server.handler.auth.authenticate(`Bearer ${readKey}`)).projectId, "always-on");
    const invalidated = await getJson(url, bearer(readKey));
    expect(invalidated.status).toBe(200);
    expect(invalidated.headers.get("x-promptdeck-cache")).toBe("stale");

    const never = await getJson<ApiError>(`${server.url}/api/v1/prompts/never-fetched`, bearer(readKey));
    expect(never.status).toBe(503);
    expect(never.body.error.code).toBe("unavailable");
    expect(never.headers.get("retry-after")).toBe("1");

    await proxy.up();
    await waitFor(() => server.handler.feed?.isHealthy === true, 5000);
    let cache: string | null = "stale";
    for (let i = 0; i < 50 && cache === "stale"; i++) {
      await sleep(50);
      cache = (await getJson(url, bearer(readKey))).headers.get("x-promptdeck-cache");
    }
    expect(cache).not.toBe("stale");
    expect((await getJson(`${server.url}/api/v1/prompts/never-fetched`, bearer(readKey))).status).toBe(200);
  });

  it("revocations win: a key revoked just before the database becomes unreachable stops after the auth stale window (503, not 200 nor 401)", async () => {
    const staleMs = 1500;
    const limited = await startApiServer({ changeFeed: false, auth: { ttlMs: 100, staleMs } });
    let cut = false;
    try {
      const ctx = await makeTestProject();
      await publishPrompt(ctx.admin, "revocation", [simpleContent("Revocations win.")]);
      const revoked = await ctx.key(["prompts:read"]);
      const kept = await ctx.key(["prompts:read"]);
      const url = `${limited.url}/api/v1/prompts/revocation`;
      expect((await getJson(url, bearer(revoked.key))).status).toBe(200);
      expect((await getJson(url, bearer(kept.key))).status).toBe(200);
      const { getDb } = await import("@/lib/db/client");
      await getDb().apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });

      await proxy.down();
      cut = true;
      await sleep(staleMs + 200);
      for (const key of [revoked.key, kept.key]) {
        const response = await getJson<ApiError>(url, bearer(key));
        expect(response.status).toBe(503);
        expect(response.body.error.code).toBe("unavailable");
        expect(response.body.error.message).toMatch(/Cannot verify the API key/);
        expect(response.headers.get("retry-after")).toBe("1");
      }

      await proxy.up();
      cut = false;
      let status = 503;
      for (let i = 0; i < 50 && status === 503; i++) {
        status = (await getJson(url, bearer(revoked.key))).status;
        if (status === 503) await sleep(100);
      }
      expect(status).toBe(401);
      expect((await getJson(url, bearer(kept.key))).status).toBe(200);
    } finally {
      if (cut) await proxy.up();
      await limited.close();
    }
  });
});
