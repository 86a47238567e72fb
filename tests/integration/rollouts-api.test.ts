// The public API of canary rollouts and the typed client: start (201), read, abort; bad step
// lists (422 with the problem), the served version and a label with a running experiment (409),
// a key without the admin scope on a protected label (403), unknown ids (404); /run follows the split.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptdeckClient, PromptdeckError } from "@/lib/client";
import { getDb } from "@/lib/db/client";
import { createExperiment, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { moveLabel } from "@/lib/prompts/mutations";
import {
  bearer,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

process.env.PROMPTDECK_SIMULATOR_SPEED = "50";

let ctx: TestProject;
let server: RunningServer;
let admin: string;
let writer: string;
let client: PromptdeckClient;

beforeAll(async () => {
  ctx = await makeTestProject();
  const promptId = await publishPrompt(ctx.admin, "rollout-api", [simpleContent("One sentence."), simpleContent("One friendly sentence.")], []);
  const v1 = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 0, patch: 0 } });
  await moveLabel(ctx.admin, { promptId, label: "production", versionId: v1.id });
  await moveLabel(ctx.admin, { promptId, label: "staging", versionId: v1.id });
  admin = (await ctx.key(["prompts:read", "prompts:run", "experiments:write", "admin"])).key;
  writer = (await ctx.key(["prompts:read", "experiments:write"])).key;
  server = await startApiServer();
  client = new PromptdeckClient({ baseUrl: server.url, apiKey: admin, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
});

describe("POST /api/v1/rollouts", () => {
  it("refuses bad step lists with a 422 naming the problem", async () => {
    for (const [steps, message] of [
      [[], /at least one step/],
      [[50, 25], /steps must increase/],
      [[5, 150], /between 1 and 100/],
    ] as const) {
      const res = await sendJson<ApiError>("POST", `${server.url}/api/v1/rollouts`, { prompt: "rollout-api", version: "1.1.0", steps }, bearer(admin));
      expect(res.status).toBe(422);
      expect(res.body.error.issues?.[0]).toMatchObject({ path: "steps", message: expect.stringMatching(message) });
    }
    const unknownField = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/rollouts`,
      { prompt: "rollout-api", version: "1.1.0", speed: "fast" },
      bearer(admin),
    );
    expect(unknownField.status).toBe(422);
  });

  it("refuses the served version (409), a protected label without the admin scope (403), a label with a running experiment (409)", async () => {
    const same = await sendJson<ApiError>("POST", `${server.url}/api/v1/rollouts`, { prompt: "rollout-api", version: "1.0.0" }, bearer(admin));
    expect(same.status).toBe(409);
    expect(same.body.error.message).toMatch(/already serves 1\.0\.0/);
    const editorKey = await sendJson<ApiError>("POST", `${server.url}/api/v1/rollouts`, { prompt: "rollout-api", version: "1.1.0" }, bearer(writer));
    expect(editorKey.status).toBe(403);
    const exp = await createExperiment(
      ctx.admin,
      createExperimentSchema.parse({
        prompt: "rollout-api",
        label: "staging",
        name: "staging ab",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.1.0", weight: 50 },
        ],
      }),
    );
    await transitionExperiment(ctx.admin, exp.id, "start");
    const busy = await sendJson<ApiError>(
      "POST",
      `${server.url}/api/v1/rollouts`,
      { prompt: "rollout-api", label: "staging", version: "1.1.0" },
      bearer(admin),
    );
    expect(busy.status).toBe(409);
    expect(busy.body.error.message).toMatch(/Experiment "staging ab" is running/);
    await transitionExperiment(ctx.admin, exp.id, "complete");
  });

  it("starts through the typed client; /run follows the split; abort hands the traffic back", async () => {
    const answer = await client.startRollout({ prompt: "rollout-api", version: "1.1.0", steps: [50, 100], minStepSeconds: 3600, minStepCalls: null });
    if (answer.status !== "started") throw new Error("expected a started rollout (no release rule here)");
    const started = answer.rollout;
    expect(started).toMatchObject({ status: "RUNNING", percent: 50, fromVersion: "1.0.0", toVersion: "1.1.0", steps: [50, 100] });
    expect(started.events).toEqual([expect.objectContaining({ kind: "started", percent: 50 })]);
    server.handler.experiments.invalidateAll();
    const versions = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const run = await client.run("rollout-api", { variables: { question: `q${i}` }, subject: `user-${i}` });
      versions.add(run.version);
    }
    expect([...versions].sort()).toEqual(["1.0.0", "1.1.0"]);
    const read = await client.getRollout(started.id);
    expect(read.live?.guardrails.map((g) => g.metric)).toEqual(["error_rate", "refusal_rate", "latency", "cost_per_call"]);
    expect(read.live?.waitingFor[0]).toMatch(/min/);
    const aborted = await client.abortRollout(started.id, "changed our mind");
    expect(aborted).toMatchObject({ status: "ABORTED", percent: 0, reason: "changed our mind" });
    await expect(client.abortRollout(started.id)).rejects.toMatchObject({ status: 409 });
    await expect(client.getRollout("nope")).rejects.toBeInstanceOf(PromptdeckError);
  });
});
