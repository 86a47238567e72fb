// The datasets API over HTTP: create, list (item counts, fitting prompts), read with versions, add
// items (JSON) and import (CSV text), keyset paging, scopes, and hostile input (NUL, deep nesting,
// huge arrays, a 10 MB cell) answered with clear 4xx errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bearer,
  getJson,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let writeKey: string;
let readKey: string;
let promptsKey: string;

const url = (path: string) => `${server.url}/api/v1${path}`;

beforeAll(async () => {
  server = await startApiServer();
  ctx = await makeTestProject();
  writeKey = (await ctx.key(["datasets:read", "datasets:write"])).key;
  readKey = (await ctx.key(["datasets:read"])).key;
  promptsKey = (await ctx.key(["prompts:read"])).key;
  await publishPrompt(ctx.admin, "answerer", [simpleContent()]);
});

afterAll(async () => {
  await server.close();
});

interface Change {
  dataset: string;
  version: number;
  itemCount: number;
  added: number;
  removed: number;
}

async function raw(method: string, path: string, body: string, key = writeKey) {
  const res = await fetch(url(path), { method, headers: { ...bearer(key), "Content-Type": "application/json" }, body });
  return { status: res.status, body: (await res.json()) as ApiError };
}

describe("datasets API", () => {
  it("creates, adds, imports, lists and pages", async () => {
    const created = await sendJson<{ name: string; latestVersion: number; itemCount: number }>(
      "POST",
      url("/datasets"),
      { name: "faq", description: "FAQ" },
      bearer(writeKey),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "faq", description: "FAQ", latestVersion: 0, itemCount: 0 });
    expect((await sendJson("POST", url("/datasets"), { name: "faq" }, bearer(writeKey))).status).toBe(409);

    const added = await sendJson<Change>(
      "POST",
      url("/datasets/faq/items"),
      [
        { key: "q1", variables: { question: "Opening hours?" }, expected: "9 to 5" },
        { key: "q2", variables: { question: "Refunds?", limit: 2 }, expected: { policy: "30 days" }, tags: ["billing"] },
      ],
      bearer(writeKey),
    );
    expect(added).toMatchObject({ status: 201, body: { dataset: "faq", version: 1, itemCount: 2, added: 2 } });

    const imported = await sendJson<Change>(
      "POST",
      url("/datasets/faq/items"),
      { format: "csv", content: "question,limit\nShipping?,4\nReturns?,\n", prompt: { name: "answerer" }, fileName: "more.csv" },
      bearer(writeKey),
    );
    expect(imported).toMatchObject({ status: 201, body: { version: 2, itemCount: 4, added: 2 } });

    const page1 = await getJson<{ version: number; items: Array<{ key: string; variables: Record<string, unknown> }>; nextCursor: string; total: number }>(
      url("/datasets/faq/items?limit=3"),
      bearer(readKey),
    );
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ version: 2, total: 4 });
    expect(page1.body.items.map((i) => i.key).slice(0, 2)).toEqual(["q1", "q2"]);
    // Typed by the contract: "4" became 4.
    expect(page1.body.items[2]!.variables).toEqual({ question: "Shipping?", limit: 4 });
    const page2 = await getJson<{ items: unknown[]; nextCursor: string | null }>(
      url(`/datasets/faq/items?limit=3&cursor=${page1.body.nextCursor}`),
      bearer(readKey),
    );
    expect(page2.body).toMatchObject({ nextCursor: null });
    expect(page2.body.items).toHaveLength(1);
    expect((await getJson<{ total: number }>(url("/datasets/faq/items?version=1"), bearer(readKey))).body.total).toBe(2);
    expect((await getJson<{ total: number }>(url("/datasets/faq/items?tag=billing"), bearer(readKey))).body.total).toBe(1);

    const detail = await getJson<{ versions: Array<{ number: number; itemCount: number; note: string }> }>(url("/datasets/faq"), bearer(readKey));
    expect(detail.body.versions).toEqual([
      expect.objectContaining({ number: 2, itemCount: 4, note: "imported more.csv: 2 items" }),
      expect.objectContaining({ number: 1, itemCount: 2, note: "added 2 items" }),
    ]);

    const list = await getJson<{ data: Array<{ name: string; itemCount: number; fitsPrompts: string[] }> }>(url("/datasets"), bearer(readKey));
    expect(list.body.data).toEqual([expect.objectContaining({ name: "faq", itemCount: 4, fitsPrompts: ["answerer"] })]);
  });

  it("checks scopes and unknown datasets", async () => {
    expect((await sendJson("POST", url("/datasets"), { name: "nope" }, bearer(readKey))).status).toBe(403);
    expect((await getJson(url("/datasets"), bearer(promptsKey))).status).toBe(403);
    expect((await sendJson("POST", url("/datasets/faq/items"), [{ variables: {} }], bearer(readKey))).status).toBe(403);
    const missing = await getJson<ApiError>(url("/datasets/missing/items"), bearer(readKey));
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('Dataset "missing" does not exist');
    expect((await getJson(url("/datasets/bad%20name!"), bearer(readKey))).status).toBe(404);
  });

  it("answers hostile input with clear 4xx errors and writes nothing", async () => {
    await sendJson("POST", url("/datasets"), { name: "hostile" }, bearer(writeKey));
    const nul = await raw("POST", "/datasets/hostile/items", '[{"variables": {"q": "a\\u0000b"}}]');
    expect(nul.status).toBe(400);
    expect(nul.body.error.message).toMatch(/NUL/);

    const deep = await raw("POST", "/datasets/hostile/items", `[{"variables": {"q": ${"[".repeat(200)}${"]".repeat(200)}}}]`);
    expect(deep.status).toBe(400);
    expect(deep.body.error.message).toMatch(/deeper than/);

    const moderatelyDeep = await raw("POST", "/datasets/hostile/items", `[{"variables": {"q": ${"[".repeat(40)}1${"]".repeat(40)}}}]`);
    expect(moderatelyDeep.status).toBe(422);
    expect(moderatelyDeep.body.error.issues?.[0]).toMatchObject({ path: "items.0.variables.q", message: expect.stringContaining("nests deeper than 20") });

    const many = await raw("POST", "/datasets/hostile/items", JSON.stringify(Array.from({ length: 10_001 }, () => ({ variables: {} }))));
    expect(many.status).toBe(422);
    expect(many.body.error.message).toMatch(/at most 10000 items/);

    const huge = await raw("POST", "/datasets/hostile/items", JSON.stringify({ format: "csv", content: "x".repeat(70 * 1024 * 1024) }));
    expect(huge.status).toBe(413);

    const bigCell = await raw("POST", "/datasets/hostile/items", JSON.stringify({ format: "csv", content: `question\n${"y".repeat(10 * 1024 * 1024)}\n` }));
    expect(bigCell.status).toBe(422);
    expect(bigCell.body.error.message).toBe(
      'Nothing was imported: 1 problem. First: row 2, column "question": is 10,485,760 bytes; a value may be at most 1,000,000 bytes',
    );
    expect(bigCell.body.error.issues).toEqual([{ path: "rows.2.question", message: expect.stringContaining("row 2") }]);

    const wrongShape = await raw("POST", "/datasets/hostile/items", JSON.stringify({ items: [{ variables: "nope", extra: 1 }] }));
    expect(wrongShape.status).toBe(422);
    expect(wrongShape.body.error.issues?.map((i) => i.path).sort()).toEqual(["items.0", "items.0.variables"]);

    const badFormat = await raw("POST", "/datasets/hostile/items", JSON.stringify({ format: "xlsx", content: "a" }));
    expect(badFormat.status).toBe(422);
    expect(badFormat.body.error.issues?.[0]?.path).toBe("format");

    const odd = await raw("POST", "/datasets/hostile/items", JSON.stringify([{ key: "emoji", variables: { "q🙂": "e\u0301 \u202e 𝔘𝔫𝔦" } }]));
    expect(odd.status).toBe(201);
    const bad = await getJson<{ items: Array<{ variables: Record<string, string> }> }>(url("/datasets/hostile/items"), bearer(readKey));
    expect(bad.body.items[0]!.variables).toEqual({ "q🙂": "e\u0301 \u202e 𝔘𝔫𝔦" });
    expect((await getJson(url("/datasets/hostile/items?limit=100000"), bearer(readKey))).status).toBe(400);
    expect((await getJson(url("/datasets/hostile/items?cursor=garbage"), bearer(readKey))).status).toBe(400);
    expect((await getJson(url("/datasets/hostile/items?version=99"), bearer(readKey))).status).toBe(404);
  });
});
