import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptdeckClient, PromptdeckError } from "@/lib/client";
import { makeTestProject, publishPrompt, simpleContent, startApiServer, type RunningServer } from "./serving-helpers";

describe("typed client against the real API handler", () => {
  let server: RunningServer;
  let client: PromptdeckClient;

  beforeAll(async () => {
    server = await startApiServer();
    const project = await makeTestProject();
    await publishPrompt(project.admin, "client-greeter", [simpleContent("You greet people by name. Keep it short.")]);
    const { key } = await project.key(["prompts:read", "prompts:run", "calls:write"]);
    client = new PromptdeckClient({ baseUrl: server.url, apiKey: key, maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it("fetches, renders and reports API errors with their codes", async () => {
    const fetched = await client.getPrompt("client-greeter");
    expect(fetched.source).toBe("server");
    expect(fetched.prompt.name).toBe("client-greeter");
    expect(fetched.prompt.version).toBe("1.0.0");
    expect((await client.getPrompt("client-greeter")).source).toBe("cache");

    const rendered = await client.render("client-greeter", { variables: { question: "Who are you?", limit: 2 } });
    expect(rendered.request.model).toBe(fetched.prompt.request.model);
    expect(JSON.stringify(rendered.request.messages)).toContain("Who are you? (limit 2)");

    const missing = await client.getPrompt("no-such-prompt").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(PromptdeckError);
    expect(missing).toMatchObject({ status: 404, code: "not_found" });
    const invalid = await client.render("client-greeter", { variables: { nope: 1 } }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 422 });
    expect((invalid as PromptdeckError).issues.length).toBeGreaterThan(0);
  });
});
