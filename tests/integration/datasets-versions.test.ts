// The datasets domain against PostgreSQL: immutable versions (items valid over [from, to)),
// keyset paging, streaming iteration, the per-dataset lock making concurrent changes consecutive
// versions, audit events, and refusals that write nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { addItems, createDataset, deleteItems, updateItem } from "@/lib/datasets/mutations";
import { getDataset, getDatasetByName, iterateItems, listDatasets, listItems, listVersions } from "@/lib/datasets/queries";
import type { Actor } from "@/lib/audit/actor";
import { makeTestProject, type TestProject } from "./serving-helpers";

let ctx: TestProject;
let viewer: Actor;

beforeAll(async () => {
  ctx = await makeTestProject();
  viewer = { ...ctx.admin, role: "VIEWER" } as Actor;
});

async function allKeys(datasetId: string, version?: number): Promise<string[]> {
  const keys: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await listItems(datasetId, { version, after, limit: 2 });
    keys.push(...page.items.map((i) => i.key));
    if (!page.nextCursor) return keys;
    after = page.nextCursor;
  }
}

describe("datasets: versions", () => {
  it("creates, adds, edits and deletes, each change a new immutable version", async () => {
    const ds = await createDataset(ctx.projectId, { name: "tickets", description: "Support tickets" }, ctx.admin);
    expect(ds).toMatchObject({ name: "tickets", description: "Support tickets", latestVersion: 0, itemCount: 0 });
    expect(await listItems(ds.id, {})).toEqual({ items: [], nextCursor: null, total: 0 });

    const v1 = await addItems(
      ds.id,
      [
        { key: "a", variables: { question: "Where is my order?" }, expected: "Shipping", tags: ["shipping"] },
        { key: "b", variables: { question: "Refund please" }, expected: { intent: "refund" }, metadata: { source: "email" } },
        { variables: { question: "Hi" } },
      ],
      ctx.admin,
    );
    expect(v1).toMatchObject({ version: 1, itemCount: 3, added: 3, removed: 0 });

    const v2 = await updateItem(ds.id, "a", { expected: "Shipping status", tags: ["shipping", "edited"] }, ctx.admin);
    expect(v2).toMatchObject({ version: 2, itemCount: 3 });
    expect(v2.item).toMatchObject({ key: "a", expected: "Shipping status", tags: ["shipping", "edited"], variables: { question: "Where is my order?" } });

    const v3 = await deleteItems(ds.id, ["b"], ctx.admin);
    expect(v3).toMatchObject({ version: 3, itemCount: 2, removed: 1 });

    // Old versions stay as they were.
    const at1 = await listItems(ds.id, { version: 1 });
    expect(at1.total).toBe(3);
    expect(at1.items[0]).toMatchObject({ key: "a", expected: "Shipping", tags: ["shipping"] });
    expect(at1.items[1]).toMatchObject({ key: "b", expected: { intent: "refund" }, metadata: { source: "email" } });
    expect(at1.items[2]!.expected).toBeNull();
    const at3 = await listItems(ds.id, {});
    expect(at3.items.map((i) => i.key)).toEqual(["a", at1.items[2]!.key]);
    expect(at3.items[0]!.expected).toBe("Shipping status");
    // An edit keeps the item's place.
    expect(at3.items[0]!.ordinal).toBe(at1.items[0]!.ordinal);

    expect((await listVersions(ds.id)).map((v) => [v.number, v.itemCount])).toEqual([
      [3, 2],
      [2, 3],
      [1, 3],
    ]);
    expect(await getDatasetByName(ctx.projectId, "tickets")).toMatchObject({ latestVersion: 3, itemCount: 2 });
    expect((await listDatasets(ctx.projectId)).map((d) => d.name)).toContain("tickets");

    const audits = await getDb().auditEvent.findMany({ where: { projectId: ctx.projectId, targetId: ds.id }, orderBy: [{ at: "asc" }, { id: "asc" }] });
    expect(audits.map((a) => a.action)).toEqual(["dataset.create", "dataset.items.add", "dataset.items.update", "dataset.items.delete"]);
  });

  it("pages by keyset with search and tag filters, and iterates a version in order", async () => {
    const ds = await createDataset(ctx.projectId, { name: "paging" }, ctx.admin);
    await addItems(
      ds.id,
      Array.from({ length: 25 }, (_, i) => ({
        key: `k${String(i).padStart(2, "0")}`,
        variables: { n: i, text: i % 5 === 0 ? "Needle 100%" : "hay" },
        tags: i % 2 ? ["odd"] : [],
      })),
      ctx.admin,
    );
    expect(await allKeys(ds.id)).toEqual(Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, "0")}`));
    const needles = await listItems(ds.id, { search: "needle 100%" });
    expect(needles.total).toBe(5);
    // LIKE wildcards in the search are literal.
    expect((await listItems(ds.id, { search: "%" })).total).toBe(5);
    expect((await listItems(ds.id, { tag: "odd", limit: 3 })).total).toBe(12);

    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of iterateItems(ds.id, 1, 10)) {
      pages.push(page.length);
      seen.push(...page.map((i) => i.key));
    }
    expect(pages).toEqual([10, 10, 5]);
    expect(seen).toEqual(await allKeys(ds.id));

    await expect(listItems(ds.id, { after: "not-a-cursor" })).rejects.toMatchObject({ code: "bad_request" });
    await expect(listItems(ds.id, { version: 9 })).rejects.toMatchObject({ code: "not_found" });
  });

  it("serialises concurrent changes into consecutive versions", async () => {
    const ds = await createDataset(ctx.projectId, { name: "concurrent" }, ctx.admin);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => addItems(ds.id, [{ key: `c${i}`, variables: { i } }], ctx.admin)));
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const versions = await listVersions(ds.id);
    expect(versions.map((v) => v.itemCount)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(await getDataset(ctx.projectId, ds.id)).toMatchObject({ latestVersion: 8, itemCount: 8 });
  });

  it("refuses bad input, duplicates and viewers without writing anything", async () => {
    const ds = await createDataset(ctx.projectId, { name: "refusals" }, ctx.admin);
    await addItems(ds.id, [{ key: "x", variables: {} }], ctx.admin);
    await expect(createDataset(ctx.projectId, { name: "refusals" }, ctx.admin)).rejects.toMatchObject({ code: "conflict" });
    await expect(createDataset(ctx.projectId, { name: "bad name!" }, ctx.admin)).rejects.toMatchObject({ code: "unprocessable" });
    await expect(addItems(ds.id, [{ key: "x", variables: {} }], ctx.admin)).rejects.toMatchObject({ code: "conflict" });
    await expect(addItems(ds.id, [{ key: "y" }, { key: "y" }], ctx.admin)).rejects.toMatchObject({ code: "unprocessable" });
    const nul = addItems(ds.id, [{ variables: { q: "a\u0000b" } }, { variables: { q: "\ud800" } }], ctx.admin);
    await expect(nul).rejects.toMatchObject({
      code: "unprocessable",
      issues: [
        { path: "items.0.variables.q", message: expect.stringContaining("NUL") },
        { path: "items.1.variables.q", message: expect.stringContaining("surrogate") },
      ],
    });
    let deep: unknown = "leaf";
    for (let i = 0; i < 40; i++) deep = [deep];
    await expect(addItems(ds.id, [{ variables: { deep } }], ctx.admin)).rejects.toMatchObject({ code: "unprocessable" });
    await expect(addItems(ds.id, [{ variables: { big: "x".repeat(1_500_000) } }], ctx.admin)).rejects.toMatchObject({ code: "unprocessable" });
    await expect(addItems(ds.id, [{ variables: {} }], viewer)).rejects.toMatchObject({ code: "forbidden" });
    await expect(deleteItems(ds.id, ["x", "nope"], ctx.admin)).rejects.toMatchObject({ code: "not_found" });
    await expect(updateItem(ds.id, "nope", { variables: {} }, ctx.admin)).rejects.toMatchObject({ code: "not_found" });
    // Nothing of the above left a version or an item.
    expect(await getDataset(ctx.projectId, ds.id)).toMatchObject({ latestVersion: 1, itemCount: 1 });
    expect(await getDb().datasetItem.count({ where: { datasetId: ds.id } })).toBe(1);
  });
});
