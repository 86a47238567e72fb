import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PromptdeckClient, PromptdeckError, type PromptVersionDocument } from "@/lib/client";
import { generateClientTypes } from "@/lib/client/generate-types";

const doc = (version: string): PromptVersionDocument =>
  ({
    name: "greeter",
    version,
    labels: ["production"],
    changelog: "",
    request: { model: "claude-sonnet-5-5", max_tokens: 100, system: [], messages: [] },
    variables: {},
    output: { format: "text" },
    policy: {},
  }) as unknown as PromptVersionDocument;

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function setup(handler: Handler, extra: Partial<ConstructorParameters<typeof PromptdeckClient>[0]> = {}) {
  let now = 0;
  const calls: { url: string; init: RequestInit }[] = [];
  const sleeps: number[] = [];
  const client = new PromptdeckClient({
    baseUrl: "http://pd.test/",
    apiKey: "pd_test_0000000000000000",
    fetch: (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return handler(url, init);
    }) as typeof fetch,
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { client, calls, sleeps, advance: (ms: number) => (now += ms) };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("PromptdeckClient", () => {
  it("caches within the TTL, serves stale while revalidating with the ETag, then refetches", async () => {
    let version = "1.0.0";
    const { client, calls, advance } = setup((_url, init) => {
      const etag = `"v${version}"`;
      if ((init.headers as Record<string, string>)["If-None-Match"] === etag) return new Response(null, { status: 304 });
      return json(200, doc(version), { etag });
    });
    expect(await client.getPrompt("greeter")).toMatchObject({ source: "server", prompt: { version: "1.0.0" } });
    expect(calls[0]!.url).toBe("http://pd.test/api/v1/prompts/greeter");
    expect((calls[0]!.init.headers as Record<string, string>).Authorization).toBe("Bearer pd_test_0000000000000000");
    advance(30_000);
    expect((await client.getPrompt("greeter")).source).toBe("cache");
    expect(calls).toHaveLength(1);

    advance(40_000); // past the 60 s TTL: stale answer, background revalidation (304)
    expect((await client.getPrompt("greeter")).source).toBe("stale");
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toHaveLength(2);
    expect((calls[1]!.init.headers as Record<string, string>)["If-None-Match"]).toBe('"v1.0.0"');
    expect((await client.getPrompt("greeter")).source).toBe("cache");

    version = "1.1.0";
    advance(61_000);
    await client.getPrompt("greeter"); // stale, triggers refresh that now gets 200
    await new Promise((r) => setTimeout(r, 0));
    expect((await client.getPrompt("greeter")).prompt.version).toBe("1.1.0");
  });

  it("sends label and version selectors, and keeps separate cache entries", async () => {
    const { client, calls } = setup(() => json(200, doc("2.0.0")));
    await client.getPrompt("team/greeter", { label: "staging" });
    await client.getPrompt("team/greeter", { version: "^2" });
    expect(calls.map((c) => c.url)).toEqual([
      "http://pd.test/api/v1/prompts/team%2Fgreeter?label=staging",
      "http://pd.test/api/v1/prompts/team%2Fgreeter?version=%5E2",
    ]);
  });

  it("falls back to the configured prompt when the server is unreachable and nothing is cached", async () => {
    const { client, sleeps } = setup(
      () => {
        throw new TypeError("fetch failed");
      },
      { fallbackPrompts: { greeter: doc("0.9.0") } },
    );
    expect(await client.getPrompt("greeter")).toMatchObject({ source: "fallback", prompt: { version: "0.9.0" } });
    // 3 retries with full jitter (random 0.5): 125, 250, 500 ms.
    expect(sleeps).toEqual([125, 250, 500]);
    await expect(client.getPrompt("other")).rejects.toMatchObject({ status: 0, code: "unreachable" });
  });

  it("retries 429 honouring Retry-After, never retries 4xx, and maps error bodies", async () => {
    let n = 0;
    const { client, sleeps } = setup(() =>
      ++n === 1 ? json(429, { error: { code: "rate_limited", message: "slow down" } }, { "retry-after": "2" }) : json(200, { request: {} }),
    );
    await client.render("greeter", { variables: {} });
    expect(sleeps).toEqual([2000]);

    const bad = setup(() =>
      json(422, { error: { code: "unprocessable", message: "Invalid variables", issues: [{ path: "variables.name", message: "required" }] } }),
    );
    const error = await bad.client.render("greeter", { variables: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptdeckError);
    expect(error).toMatchObject({ status: 422, code: "unprocessable", issues: [{ path: "variables.name", message: "required" }] });
    expect(bad.calls).toHaveLength(1);
    expect(bad.sleeps).toEqual([]);
  });

  it("does not retry a run the server may have executed", async () => {
    const { client, calls } = setup(() => json(502, { error: { code: "upstream", message: "Claude failed" } }));
    await expect(client.run("greeter", { variables: {} })).rejects.toMatchObject({ status: 502 });
    expect(calls).toHaveLength(1);
  });

  it("does not send a request that creates something again after a network failure or timeout (no second eval run)", async () => {
    // The server may have taken the first request (a timeout while it scans a large dataset): a
    // resend would start a second eval run, add the items twice or make a second version.
    const unreachable = () => {
      throw new TypeError("fetch failed");
    };
    const evalRun = setup(unreachable);
    const started = await evalRun.client
      .startEvalRun({ prompt: "greeter", versions: ["draft"], dataset: "d", evaluators: [{ type: "valid_json", id: "json" }] })
      .catch((e: unknown) => e);
    expect(started).toMatchObject({ status: 0, code: "unreachable" });
    expect(evalRun.calls).toHaveLength(1);

    const run = setup(unreachable);
    await expect(run.client.run("greeter", { variables: {} })).rejects.toMatchObject({ status: 0 });
    expect(run.calls).toHaveLength(1);

    // Reads, and a cancel (idempotent: a resend after the first took answers 409 "already ended"), are retried.
    const read = setup(unreachable);
    await expect(read.client.getEvalRun("r1")).rejects.toMatchObject({ status: 0 });
    expect(read.calls).toHaveLength(4);
    const cancel = setup(unreachable);
    await expect(cancel.client.cancelEvalRun("r1")).rejects.toMatchObject({ status: 0 });
    expect(cancel.calls).toHaveLength(4);
  });

  it("has generated types that match the current OpenAPI document", async () => {
    const committed = readFileSync(path.resolve(import.meta.dirname, "../../lib/client/api-types.ts"), "utf8");
    expect(committed).toBe(await generateClientTypes());
  });
});
