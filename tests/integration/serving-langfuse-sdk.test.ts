// The Langfuse-compatible endpoints exercised with Langfuse's own published JavaScript SDK
// (langfuse@3): an app switches by changing its base URL and keys only.
import { Langfuse } from "langfuse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestProject, publishPrompt, simpleContent, startApiServer, type RunningServer } from "./serving-helpers";

let server: RunningServer;
let langfuse: Langfuse;

beforeAll(async () => {
  server = await startApiServer();
  const ctx = await makeTestProject();
  const { key } = await ctx.key(["prompts:read"]);
  await publishPrompt(ctx.admin, "movie-critic", [
    simpleContent("You are a movie critic."),
    simpleContent("You are a harsh movie critic who answers in one line."),
  ]);
  langfuse = new Langfuse({ publicKey: "pk-lf-anything", secretKey: key, baseUrl: server.url, flushAt: 1000, requestTimeout: 5000 });
});

afterAll(async () => {
  await langfuse.shutdownAsync();
  await server.close();
});

describe("Langfuse JS SDK against Promptdeck", () => {
  it("getPrompt returns the production chat prompt and compiles it", async () => {
    const prompt = await langfuse.getPrompt("movie-critic", undefined, { type: "chat", cacheTtlSeconds: 0 });
    expect(prompt.name).toBe("movie-critic");
    expect(prompt.version).toBe(2);
    expect(prompt.labels).toEqual(expect.arrayContaining(["production", "latest"]));
    expect(prompt.config).toMatchObject({ model: "claude-sonnet-5-5", promptdeck_version: "1.1.0" });
    const compiled = prompt.compile({ question: "Is Alien good?", limit: "2" });
    expect(compiled).toEqual([
      { role: "system", content: "You are a harsh movie critic who answers in one line." },
      { role: "user", content: "Question: Is Alien good? (limit 2)" },
    ]);
  });

  it("getPrompt by integer version and by label", async () => {
    const first = await langfuse.getPrompt("movie-critic", 1, { type: "chat", cacheTtlSeconds: 0 });
    expect(first.version).toBe(1);
    expect(first.prompt[0]).toMatchObject({ role: "system", content: "You are a movie critic." });
    const latest = await langfuse.getPrompt("movie-critic", undefined, { type: "chat", label: "latest", cacheTtlSeconds: 0 });
    expect(latest.version).toBe(2);
  });

  it("an unknown prompt is an error (and the SDK's fallback applies)", async () => {
    await expect(langfuse.getPrompt("nope", undefined, { type: "chat", cacheTtlSeconds: 0, maxRetries: 0 })).rejects.toThrow('Prompt "nope" does not exist');
    const withFallback = await langfuse.getPrompt("nope", undefined, {
      type: "chat",
      cacheTtlSeconds: 0,
      maxRetries: 0,
      fallback: [{ role: "system", content: "fallback" }],
    });
    expect(withFallback.isFallback).toBe(true);
  });
});
