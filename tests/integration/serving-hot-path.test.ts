// The serving hot path (issue 17, serving speed): a warm GET /api/v1/prompts/{name} (a key seen
// recently, rate-limit tokens in hand, the answer cached) is answered within the request event,
// creating no promise on the way. In the real server every promise costs a hook per enabled
// AsyncLocalStorage (Next enables several on its first page), which made the API cost about twice
// a bare node:http server; bench/serving.ts measures the effect, this test holds the property.
import { createHook } from "node:async_hooks";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiV1Handler } from "@/lib/http/api-v1";
import { bearer, makeTestProject, publishPrompt, simpleContent } from "./serving-helpers";

interface Observed {
  returned: unknown;
  /** Whether the response had been ended when handle() returned. */
  endedOnReturn: boolean;
  promises: number;
}

let handler: ApiV1Handler;
let server: http.Server;
let base: string;
let key: string;
const observed: Observed[] = [];
let counting = false;
let promises = 0;
const hook = createHook({
  init(_id, type) {
    if (counting && type === "PROMISE") promises++;
  },
});

beforeAll(async () => {
  // The default handler of a server process: shared rate limit through the database, real key lookup.
  handler = new ApiV1Handler({ changeFeed: false, logError: () => {} });
  await handler.start();
  const ctx = await makeTestProject();
  ({ key } = await ctx.key(["prompts:read"]));
  await publishPrompt(ctx.admin, "hot-path", [simpleContent("You answer briefly.")]);
  hook.enable();
  server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    promises = 0;
    counting = true;
    let returned: unknown;
    try {
      returned = handler.handle(req, res);
    } finally {
      counting = false;
    }
    observed.push({ returned, endedOnReturn: res.writableEnded, promises });
    if (returned instanceof Promise) void returned.then((handled) => handled || res.writeHead(418).end());
    else if (returned === false) res.writeHead(418).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hook.disable();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await handler.stop();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers; seen: Observed }> {
  const response = await fetch(`${base}${path}`, { headers });
  const text = await response.text();
  return { status: response.status, text, headers: response.headers, seen: observed.at(-1)! };
}

describe("the warm serving read", () => {
  it("is answered within the request event, with no promise created", async () => {
    const path = "/api/v1/prompts/hot-path?label=production";
    const first = await get(path, bearer(key));
    expect(first.status).toBe(200);
    expect(first.seen.returned).toBeInstanceOf(Promise); // cold: key lookup, first lease, database read

    const warm = await get(path, bearer(key));
    expect(warm.status).toBe(200);
    expect(warm.text).toBe(first.text);
    expect(warm.headers.get("x-promptdeck-cache")).toBe("hit");
    expect(warm.headers.get("x-request-id")).toBeTruthy();
    expect(warm.seen).toEqual({ returned: true, endedOnReturn: true, promises: 0 });

    // A conditional read is just as direct, and the same without ?label (production is the default).
    const etag = warm.headers.get("etag") ?? "";
    const notModified = await get("/api/v1/prompts/hot-path", bearer(key, { "If-None-Match": etag }));
    expect(notModified.status).toBe(304);
    expect(notModified.seen).toEqual({ returned: true, endedOnReturn: true, promises: 0 });
  });

  it("still goes through every check: a wrong key, an unknown prompt and a bad query answer as before", async () => {
    const unknownKey = await get("/api/v1/prompts/hot-path", bearer("pd_000000000000000000000000"));
    expect(unknownKey.status).toBe(401);
    const again = await get("/api/v1/prompts/hot-path", bearer("pd_000000000000000000000000"));
    expect(again.status).toBe(401);
    expect((await get("/api/v1/prompts/no-such-prompt", bearer(key))).status).toBe(404);
    const missingTwice = await get("/api/v1/prompts/no-such-prompt", bearer(key)); // the cached "not found"
    expect(missingTwice.status).toBe(404);
    expect(missingTwice.seen.returned).toBe(true);
    expect((await get("/api/v1/prompts/hot-path?label=production&version=1.0.0", bearer(key))).status).toBe(400);
    expect((await get("/api/v1/prompts/hot-path")).status).toBe(401);
  });
});
