import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptdeckClient, PromptdeckError } from "@/lib/client";
import { makeTestProject, publishPrompt, simpleContent, startApiServer, type RunningServer } from "./serving-helpers";

describe("typed client against the real API handler", () => {
  let server: RunningServer;
  let client: PromptdeckClient;
  let datasets: PromptdeckClient;

  beforeAll(async () => {
    server = await startApiServer();
    const project = await makeTestProject();
    await publishPrompt(project.admin, "client-greeter", [simpleContent("You greet people by name. Keep it short.")]);
    const { key } = await project.key(["prompts:read", "prompts:run", "calls:write"]);
    client = new PromptdeckClient({ baseUrl: server.url, apiKey: key, maxRetries: 0 });
    const datasetKey = await project.key(["datasets:read", "datasets:write"]);
    datasets = new PromptdeckClient({ baseUrl: server.url, apiKey: datasetKey.key, maxRetries: 0 });
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

  it("creates a dataset, adds and imports items as versions, lists, reads and pages them (issue 12)", async () => {
    const created = await datasets.createDataset({ name: "client-questions", description: "Questions for the greeter" });
    expect(created).toMatchObject({ name: "client-questions", latestVersion: 0, itemCount: 0 });
    const taken = await datasets.createDataset({ name: "client-questions" }).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(PromptdeckError);
    expect(taken).toMatchObject({ status: 409, code: "conflict" });

    const added = await datasets.addDatasetItems(
      "client-questions",
      [
        { key: "who", variables: { question: "Who are you?" }, expected: "A greeter", tags: ["smoke"] },
        { key: "limit", variables: { question: "How many?", limit: 2 }, expected: { count: 2 } },
      ],
      { note: "two by hand" },
    );
    expect(added).toEqual({ dataset: "client-questions", version: 1, itemCount: 2, added: 2, removed: 0 });

    const jsonl = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({ key: `q${i}`, variables: { question: `Question ${i}?` }, expected: `Answer ${i}` }),
    ).join("\n");
    const imported = await datasets.importDatasetItems("client-questions", { format: "jsonl", content: jsonl, prompt: { name: "client-greeter" } });
    expect(imported).toEqual({ dataset: "client-questions", version: 2, itemCount: 7, added: 5, removed: 0 });

    const refused = await datasets
      .importDatasetItems("client-questions", { format: "csv", content: "question,limit\nfine,1\nbad,many\n", prompt: { name: "client-greeter" } })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 422, code: "unprocessable" });
    expect((refused as PromptdeckError).message).toMatch(/row 3, column "limit"/);

    const list = await datasets.listDatasets();
    expect(list.data.find((d) => d.name === "client-questions")).toMatchObject({ itemCount: 7, latestVersion: 2, fitsPrompts: ["client-greeter"] });
    const detail = await datasets.getDataset("client-questions");
    expect(detail.versions.map((v) => [v.number, v.itemCount, v.note])).toEqual([
      [2, 7, expect.any(String)],
      [1, 2, "two by hand"],
    ]);

    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await datasets.listDatasetItems("client-questions", { limit: 3, cursor });
      expect(page.total).toBe(7);
      keys.push(...page.items.map((i) => i.key));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(keys).toEqual(["who", "limit", "q0", "q1", "q2", "q3", "q4"]);
    const first = await datasets.listDatasetItems("client-questions", { version: 1, tag: "smoke" });
    expect(first).toMatchObject({ version: 1, total: 1, items: [{ key: "who", expected: "A greeter" }] });

    const missing = await datasets.getDataset("no-such-dataset").catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: "not_found" });
  });
});
