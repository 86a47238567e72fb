// The eval runs API and the `promptdeck eval` command against a real API server and an eval
// worker (pg-boss on the test database) with the simulator: 202 then polling to the end, hostile
// input refused with clear 4xx, scopes, and the CLI's exit codes (0 pass, 1 gate failed, 2 error).
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerEvalQueue } from "@/lib/evals/queue";
import { EvalWorker } from "@/lib/evals/worker";
import { saveDraft } from "@/lib/prompts/mutations";
import { classifierContent, makeEvalFixture, type EvalFixture } from "./evals-helpers";
import { bearer, getJson, sendJson, sleep, startApiServer, type ApiError, type RunningServer } from "./serving-helpers";

let fx: EvalFixture;
let server: RunningServer;
let worker: EvalWorker;
let key: string;

beforeAll(async () => {
  fx = await makeEvalFixture(
    Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0 ? { review: `great, positive ${i}`, expected: "positive" } : { review: `bad, negative ${i}`, expected: "negative" },
    ),
  );
  // The draft answers with other labels: every item that passed on production fails on it.
  await saveDraft(fx.admin, { promptId: fx.promptId, content: classifierContent(["happy", "sad"]) });
  server = await startApiServer();
  worker = new EvalWorker({ connectionString: process.env.DATABASE_URL!, pollingIntervalSeconds: 0.5, ...fx.step, stepBudgetMs: 2_000 });
  await worker.start();
  registerEvalQueue(worker.queue);
  key = (await fx.key(["evals:run", "prompts:read"])).key;
}, 60_000);

afterAll(async () => {
  registerEvalQueue(undefined);
  await worker?.stop();
  await server?.close();
  await fx?.close();
});

async function waitForEnd(id: string): Promise<{ status: string; [k: string]: unknown }> {
  for (let i = 0; i < 300; i++) {
    const { body } = await getJson<{ status: string }>(`${server.url}/api/v1/eval-runs/${id}`, bearer(key));
    if (!["queued", "running"].includes(body.status)) return body;
    await sleep(200);
  }
  throw new Error("the run did not end");
}

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve("bin/promptdeck.mjs"), ...args], {
      env: { ...process.env, PROMPTDECK_API_KEY: key, ...env } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("eval runs API", () => {
  it("POST 202 with the queued run, the worker runs it, GET shows progress and summary, results page per item", async () => {
    const created = await sendJson<{ id: string; status: string; estimate: { batchMicros: number; realtimeMicros: number } }>(
      "POST",
      `${server.url}/api/v1/eval-runs`,
      { prompt: "sentiment", versions: ["1.0.0"], dataset: "reviews", evaluators: [{ type: "exact_match", id: "exact" }], mode: "batch" },
      bearer(key),
    );
    expect(created.status).toBe(202);
    expect(created.body.status).toBe("queued");
    expect(created.body.estimate.batchMicros).toBeLessThan(created.body.estimate.realtimeMicros);
    const done = await waitForEnd(created.body.id);
    expect(done).toMatchObject({ status: "completed", phase: "done", progress: { done: 12, total: 12 } });
    const summary = (done.versions as Array<{ summary: { combined: { mean: number } } }>)[0]!.summary;
    expect(summary.combined.mean).toBe(1);

    const page = await getJson<{ rows: Array<{ key: string; results: Array<{ output: string }> }>; nextCursor: string | null; total: number }>(
      `${server.url}/api/v1/eval-runs/${created.body.id}/results?limit=5`,
      bearer(key),
    );
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(12);
    expect(page.body.rows).toHaveLength(5);
    expect(page.body.rows[0]!.results[0]!.output).toBe("positive");
    const next = await getJson<{ rows: unknown[] }>(
      `${server.url}/api/v1/eval-runs/${created.body.id}/results?limit=5&after=${page.body.nextCursor}`,
      bearer(key),
    );
    expect(next.body.rows).toHaveLength(5);

    const cancel = await sendJson<ApiError>("POST", `${server.url}/api/v1/eval-runs/${created.body.id}/cancel`, {}, bearer(key));
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.message).toContain("has already ended (completed)");
  });

  it("refuses hostile and wrong input with a clear 4xx", async () => {
    const post = (body: unknown, headers = bearer(key)) => sendJson<ApiError>("POST", `${server.url}/api/v1/eval-runs`, body, headers);
    const base = { prompt: "sentiment", versions: ["draft"], dataset: "reviews", evaluators: [{ type: "exact_match", id: "exact" }] };
    const cases: Array<[unknown, number, RegExp]> = [
      [{ ...base, dataset: "ghost" }, 422, /Dataset "ghost" does not exist/],
      [{ ...base, prompt: "ghost" }, 422, /Prompt "ghost" does not exist/],
      [{ ...base, versions: ["9.9.9"] }, 422, /no published version 9.9.9/],
      [{ ...base, versions: [] }, 422, /versions/],
      // NUL characters and lone surrogates are refused by the API wrapper before the schema.
      [{ ...base, versions: ["x\u0000y"] }, 400, /NUL/],
      [{ ...base, versions: ["a".repeat(10_000)] }, 422, /versions/],
      [{ ...base, evaluators: [] }, 422, /choose at least one evaluator/],
      [{ ...base, evaluators: [{ type: "regex", id: "r", pattern: "(" }] }, 422, /not a valid regular expression/],
      [{ ...base, mode: "turbo" }, 422, /mode/],
      [{ ...base, datasetVersion: 1e308 }, 422, /datasetVersion/],
      [{ ...base, extra: 1 }, 422, /extra/],
      [{ ...base, prompt: "\u{1F600}\uD800" }, 400, /prompt/],
      [JSON.parse(`{"prompt":${"[".repeat(500)}${"]".repeat(500)}}`), 400, /./],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.body.error.message, JSON.stringify(body).slice(0, 80)).toMatch(message);
    }
    expect((await getJson<ApiError>(`${server.url}/api/v1/eval-runs/nope`, bearer(key))).status).toBe(404);
    expect((await getJson<ApiError>(`${server.url}/api/v1/eval-runs/${encodeURIComponent("../../x")}`, bearer(key))).status).toBe(404);
    expect((await getJson<ApiError>(`${server.url}/api/v1/eval-runs/nope/results?limit=abc`, bearer(key))).status).toBe(400);
    expect((await sendJson<ApiError>("POST", `${server.url}/api/v1/eval-runs/nope/cancel`, {}, bearer(key))).status).toBe(404);
    // Scopes: starting needs evals:run and prompts:read; reading needs prompts:read.
    const readOnly = (await fx.key(["prompts:read"])).key;
    expect((await post(base, bearer(readOnly))).status).toBe(403);
    const runOnly = (await fx.key(["evals:run"])).key;
    const missing = await post(base, bearer(runOnly));
    expect(missing.status).toBe(403);
    expect(missing.body.error.message).toContain("prompts:read");
  });
});

describe("promptdeck eval (the CLI)", () => {
  it("exit 0 when the gate passes, with progress and the per-version summary", async () => {
    const { code, stdout, stderr } = await cli([
      "eval",
      "--prompt",
      "sentiment",
      "--version",
      "1.0.0",
      "--dataset",
      "reviews",
      "--min-score",
      "0.9",
      "--url",
      server.url,
      "--poll-ms",
      "200",
    ]);
    expect(code, stderr + stdout).toBe(0);
    expect(stdout).toMatch(/eval run \w+: sentiment 1\.0\.0 on reviews v1, batch mode \(estimated \$[\d.]+ in batch, \$[\d.]+ realtime\)/);
    expect(stdout).toMatch(/\] 100% completed done 12\/12/);
    expect(stdout).toMatch(/1\.0\.0: score 1\.000/);
    expect(stdout).toContain("GATE PASSED");
  }, 60_000);

  it("exit 1 when the draft regresses against production", async () => {
    const { code, stdout, stderr } = await cli([
      "eval",
      "--prompt",
      "sentiment",
      "--version",
      "draft",
      "--dataset",
      "reviews",
      "--baseline",
      "production",
      "--min-score",
      "0.9",
      "--fail-on-regression",
      "--mode",
      "realtime",
      "--url",
      server.url,
      "--poll-ms",
      "200",
    ]);
    expect(code, stderr + stdout).toBe(1);
    expect(stdout).toMatch(/draft vs 1\.0\.0: /);
    expect(stdout).toMatch(/regressions: r0/);
    expect(stdout).toContain("GATE FAILED");
    expect(stdout).toMatch(/draft: mean score 0\.000 is below --min-score 0\.9/);
    expect(stdout).toMatch(/draft: 12 item\(s\) passed on the baseline and fail now/);
  }, 60_000);

  it("exit 2 on usage and server errors", async () => {
    const usage = await cli(["eval", "--prompt", "sentiment"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--dataset is required");
    const unknown = await cli(["eval", "--prompt", "sentiment", "--dataset", "ghost", "--url", server.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('server answered 422: Dataset "ghost" does not exist');
    const noKey = await cli(["eval", "--prompt", "sentiment", "--dataset", "reviews", "--url", server.url], {
      PROMPTDECK_API_KEY: "pd_notarealkey_000000000000",
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("server answered 401");
    const down = await cli(["eval", "--prompt", "sentiment", "--dataset", "reviews", "--url", "http://127.0.0.1:9"]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain("cannot reach the server");
  }, 120_000);
});
