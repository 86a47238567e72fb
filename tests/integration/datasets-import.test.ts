// CSV / JSONL import against PostgreSQL: mapping, preview, contract typing and checks, row errors
// naming row and column (wrong columns, invalid UTF-8, NUL, a 10 MB cell, duplicate keys, contract
// breaks), all or nothing, replace mode, and the contract check / fitting prompts of the list.
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { isAppError } from "@/lib/errors";
import { checkDatasetContract, fittingPrompts, loadPromptContract } from "@/lib/datasets/contract";
import { importItems, previewImport, textSource, type ImportOptions, type RowError } from "@/lib/datasets/import";
import { addItems, createDataset } from "@/lib/datasets/mutations";
import { getDataset, listItems } from "@/lib/datasets/queries";
import { makeTestProject, publishPrompt, simpleContent, type TestProject } from "./serving-helpers";

let ctx: TestProject;

beforeAll(async () => {
  ctx = await makeTestProject();
  // question: string (required), limit: number (optional, default 3).
  await publishPrompt(ctx.admin, "answerer", [simpleContent()]);
});

async function* bytes(...chunks: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield typeof c === "string" ? Buffer.from(c, "utf8") : c;
}

async function rowErrors(promise: Promise<unknown>): Promise<RowError[]> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error) && error.code === "unprocessable") return (error.details as { rowErrors: RowError[] }).rowErrors;
    throw error;
  }
  throw new Error("expected the import to be refused");
}

async function newDataset(name: string) {
  return createDataset(ctx.projectId, { name }, ctx.admin);
}

describe("datasets: import", () => {
  it("imports CSV with the suggested mapping (variables, expected, tags, metadata, key)", async () => {
    const ds = await newDataset("csv-basic");
    const csv =
      'key,question,limit,expected,tags,metadata.source\r\nt1,"Where is my order, please?",5,Shipping,"a, b",email\r\nt2,"Line 1\nLine 2",,Refund,,chat\r\n';
    const result = await importItems(ds.id, textSource(csv), { format: "csv", fileName: "tickets.csv" }, ctx.admin);
    expect(result).toMatchObject({ version: 1, added: 2, itemCount: 2, rows: 2 });
    const { items } = await listItems(ds.id, {});
    expect(items[0]).toMatchObject({
      key: "t1",
      variables: { question: "Where is my order, please?", limit: "5" },
      expected: "Shipping",
      tags: ["a", "b"],
      metadata: { source: "email" },
    });
    expect(items[1]).toMatchObject({ key: "t2", variables: { question: "Line 1\nLine 2", limit: "" }, expected: "Refund", tags: [] });
    const version = await getDb().datasetVersion.findFirstOrThrow({ where: { datasetId: ds.id, number: 1 } });
    expect(version.note).toBe("imported tickets.csv: 2 items");
  });

  it("types and checks variables against a prompt's contract, naming row and column", async () => {
    const ds = await newDataset("csv-contract");
    const contract = await loadPromptContract(ctx.projectId, "answerer");
    expect(contract).toMatchObject({ promptName: "answerer", version: "1.0.0", source: "production" });
    const options: ImportOptions = { format: "csv", contract, mapping: { q: { kind: "variable", name: "question" }, n: { kind: "variable", name: "limit" } } };
    const bad = "q,n,extra\nok,4,x\n,five,y\n";
    const errors = await rowErrors(
      importItems(ds.id, textSource(bad), { ...options, mapping: { ...options.mapping, extra: { kind: "variable", name: "extra" } } }, ctx.admin),
    );
    expect(errors).toEqual([
      { row: 2, column: "extra", message: 'unknown variable "extra" (not declared by this version) (answerer 1.0.0)' },
      { row: 3, column: "extra", message: 'unknown variable "extra" (not declared by this version) (answerer 1.0.0)' },
      { row: 3, column: "n", message: 'variable "limit" must be a finite number (answerer 1.0.0)' },
    ]);
    expect(await getDataset(ctx.projectId, ds.id)).toMatchObject({ latestVersion: 0, itemCount: 0 });

    const good = "q,n,extra\nok,4,x\nfine,,y\n";
    await importItems(ds.id, textSource(good), { ...options, mapping: { ...options.mapping, extra: { kind: "ignore" } } }, ctx.admin);
    const { items } = await listItems(ds.id, {});
    // "4" became 4; the empty number cell is absent (the default applies).
    expect(items.map((i) => i.variables)).toEqual([{ question: "ok", limit: 4 }, { question: "fine" }]);

    const check = await checkDatasetContract(ds.id, 1, contract);
    expect(check).toMatchObject({ checked: 2, fitting: 2, problems: [] });
    await addItems(ds.id, [{ key: "broken", variables: { limit: "x" } }], ctx.admin);
    const broken = await checkDatasetContract(ds.id, 2, contract);
    expect(broken.fitting).toBe(2);
    // In the contract's declared order (question, then limit).
    expect(broken.problems).toEqual([
      { key: "broken", variable: "question", message: 'missing required variable "question"' },
      { key: "broken", variable: "limit", message: 'variable "limit" must be a finite number' },
    ]);
    const fits = await fittingPrompts(
      ctx.projectId,
      [await getDataset(ctx.projectId, ds.id)].map((d) => ({ ...d!, latestVersion: 1, itemCount: 2 })),
    );
    expect(fits.get(ds.id)).toEqual(["answerer"]);
    const notFitting = await fittingPrompts(ctx.projectId, [(await getDataset(ctx.projectId, ds.id))!]);
    expect(notFitting.get(ds.id)).toEqual([]);
  });

  it("refuses bad files with row-level errors and imports nothing", async () => {
    const ds = await newDataset("csv-bad");
    await addItems(ds.id, [{ key: "existing", variables: {} }], ctx.admin);
    const before = await getDb().datasetItem.count({ where: { datasetId: ds.id } });

    // Wrong number of cells, NUL, duplicate key, an existing key.
    const errors = await rowErrors(
      importItems(ds.id, textSource("key,question\na,one\nb,two,three\nc,bad\u0000cell\na,dup\nexisting,x\n"), { format: "csv" }, ctx.admin),
    );
    expect(errors).toEqual([
      { row: 3, column: null, message: "has 3 cells; the header has 2 columns" },
      { row: 4, column: "question", message: "contains a NUL character (\\u0000), which cannot be stored" },
      { row: 5, column: "key", message: 'key "a" appears more than once in the file' },
      { row: 6, column: "key", message: 'key "existing" already exists in this dataset' },
    ]);

    // Latin-1 bytes (é = 0xE9) are not UTF-8.
    const latin1 = await rowErrors(importItems(ds.id, bytes("question\n", Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])), { format: "csv" }, ctx.admin));
    expect(latin1).toEqual([{ row: 2, column: "question", message: expect.stringContaining("not valid UTF-8") }]);

    // A 10 MB cell.
    const huge = await rowErrors(
      importItems(ds.id, textSource(`question,other\nsmall,x\n"${"y".repeat(10 * 1024 * 1024)}",z\n`), { format: "csv" }, ctx.admin),
    );
    expect(huge).toEqual([{ row: 3, column: "question", message: "is 10,485,760 bytes; a value may be at most 1,000,000 bytes" }]);

    // An unclosed quote, a duplicate header, UTF-16.
    expect(await rowErrors(importItems(ds.id, textSource('question\nok\n"never closed\n'), { format: "csv" }, ctx.admin))).toEqual([
      { row: 3, column: null, message: expect.stringContaining("is not valid CSV") },
    ]);
    expect(await rowErrors(importItems(ds.id, textSource("q,q\n1,2\n"), { format: "csv" }, ctx.admin))).toEqual([
      { row: 1, column: "q", message: "header appears twice" },
    ]);
    await expect(importItems(ds.id, bytes(Buffer.from([0xff, 0xfe, 0x71, 0x00])), { format: "csv" }, ctx.admin)).rejects.toThrow(/UTF-16/);
    await expect(importItems(ds.id, textSource(""), { format: "csv" }, ctx.admin)).rejects.toThrow(/empty/);
    await expect(importItems(ds.id, textSource("question\n"), { format: "csv" }, ctx.admin)).rejects.toThrow(/no data rows/);

    expect(await getDb().datasetItem.count({ where: { datasetId: ds.id } })).toBe(before);
    expect(await getDataset(ctx.projectId, ds.id)).toMatchObject({ latestVersion: 1, itemCount: 1 });
  });

  it("refuses a file whose error comes after thousands of good rows (nothing half-imported)", async () => {
    const ds = await newDataset("csv-late-error");
    const lines = ["question"];
    for (let i = 0; i < 4500; i++) lines.push(`q${i}`);
    lines.push("bad\u0000");
    const errors = await rowErrors(importItems(ds.id, textSource(lines.join("\n")), { format: "csv" }, ctx.admin));
    expect(errors).toEqual([{ row: 4502, column: "question", message: expect.stringContaining("NUL") }]);
    expect(await getDb().datasetItem.count({ where: { datasetId: ds.id } })).toBe(0);
  });

  it("imports JSONL, structured or flat, and replaces a version's items", async () => {
    const ds = await newDataset("jsonl");
    const jsonl = [
      JSON.stringify({ key: "s1", variables: { question: "Hi", limit: 2 }, expected: { intent: "greet" }, tags: ["x"] }),
      "",
      JSON.stringify({ question: "Flat", expected: "text answer", tags: ["y", "z"] }),
    ].join("\n");
    await importItems(ds.id, textSource(jsonl), { format: "jsonl" }, ctx.admin);
    const { items } = await listItems(ds.id, {});
    expect(items).toMatchObject([
      { key: "s1", variables: { question: "Hi", limit: 2 }, expected: { intent: "greet" }, tags: ["x"] },
      { variables: { question: "Flat" }, expected: "text answer", tags: ["y", "z"] },
    ]);

    const bad = ['{"variables": {"q": 1}, "bogus": 2}', "not json", "[1,2]", '{"variables": {"q": "\\u0000"}}'].join("\n");
    expect(await rowErrors(importItems(ds.id, textSource(bad), { format: "jsonl" }, ctx.admin))).toEqual([
      // A line with keys beyond an item's is read flat: "variables" and "bogus" become variables.
      { row: 2, column: null, message: "is not valid JSON" },
      { row: 3, column: null, message: "must be a JSON object" },
      { row: 4, column: "variables.q", message: "contains a NUL character (\\u0000), which cannot be stored" },
    ]);

    const replaced = await importItems(ds.id, textSource('{"question": "only one"}\n'), { format: "jsonl", mode: "replace" }, ctx.admin);
    expect(replaced).toMatchObject({ version: 2, added: 1, removed: 2, itemCount: 1 });
    expect((await listItems(ds.id, { version: 1 })).total).toBe(2);
  });

  it("previews the first rows and suggests a mapping", async () => {
    const csv = "question,Expected,tags,metadata.lang,id\nHello,Hi,a,en,1\nBonjour,Salut,,fr,2\nCut in the mid";
    const preview = await previewImport(textSource(csv), "csv", { limit: 10, truncated: true });
    expect(preview.columns).toEqual([
      { name: "question", suggested: { kind: "variable", name: "question" }, samples: ["Hello", "Bonjour"] },
      { name: "Expected", suggested: { kind: "expected", as: "text" }, samples: ["Hi", "Salut"] },
      { name: "tags", suggested: { kind: "tags" }, samples: ["a"] },
      { name: "metadata.lang", suggested: { kind: "metadata", name: "lang" }, samples: ["en", "fr"] },
      { name: "id", suggested: { kind: "key" }, samples: ["1", "2"] },
    ]);
    // The cut last row of a truncated head is left out.
    expect(preview.rows.map((r) => r.row)).toEqual([2, 3]);
    expect(preview.errors).toEqual([]);
    const jsonl = await previewImport(textSource('{"variables": {"a": 1}}\n'), "jsonl");
    expect(jsonl).toMatchObject({ structured: true, columns: [], rows: [{ row: 1 }] });
  });
});
