import { describe, expect, it } from "vitest";
import type { CallContext } from "@/lib/calls/record";
import type { RunInput, RunResult } from "@/lib/claude/runner";
import { parseProjectSettings, ProjectSettingsCache, type ProjectSettings } from "@/lib/runs/settings";
import { runAndLog } from "@/lib/runs/run-and-log";
import { getRunsInFlight, RunsInFlight } from "@/lib/runs/in-flight";

/** A runnable version with one required variable. */
const version = {
  system: [],
  messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "{{q}}" }] }],
  variables: { q: { type: "string" as const, required: true } },
  modelConfig: { model: "claude-sonnet-5-5", max_tokens: 16 },
  outputSchema: { format: "text" as const },
  policy: {},
};

describe("parseProjectSettings", () => {
  it("reads the runner and call-log policies", () => {
    const { settings, problems } = parseProjectSettings({
      runner: { max_retries: 1, timeout_ms: 5_000 },
      calls: { store_bodies: false, body_limit_bytes: 1024 },
    });
    expect(problems).toEqual([]);
    expect(settings).toEqual({ runner: { max_retries: 1, timeout_ms: 5_000 }, bodies: { storeBodies: false, maxBodyBytes: 1024 }, evalGate: undefined });
  });

  it("falls back per part and names what it ignored", () => {
    const { settings, problems } = parseProjectSettings({ runner: { max_retries: "many" }, calls: { store_bodies: "no" }, other_feature: 1 });
    expect(settings).toEqual({ runner: undefined, bodies: { storeBodies: true, maxBodyBytes: 32 * 1024 }, evalGate: undefined });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/settings\.runner ignored: max_retries/);
    expect(problems[1]).toMatch(/settings\.calls ignored/);
  });

  it("treats anything but an object as no settings", () => {
    for (const raw of [null, undefined, "x", 3, [1, 2]]) {
      expect(parseProjectSettings(raw)).toEqual({
        settings: { runner: undefined, bodies: { storeBodies: true, maxBodyBytes: 32 * 1024 }, evalGate: undefined },
        problems: [],
      });
    }
  });
});

describe("ProjectSettingsCache", () => {
  const strict: ProjectSettings = { runner: { max_retries: 0 }, bodies: { storeBodies: false, maxBodyBytes: 256 }, evalGate: undefined };

  it("keeps serving the last value while the database is unreachable, and propagates with none", async () => {
    let fail = false;
    let loads = 0;
    const cache = new ProjectSettingsCache({
      ttlMs: 1,
      load: () => {
        loads++;
        return fail ? Promise.reject(new Error("connect ECONNREFUSED")) : Promise.resolve(strict);
      },
    });
    expect(await cache.get("p1")).toEqual(strict);
    fail = true;
    await new Promise((r) => setTimeout(r, 5));
    expect(await cache.get("p1")).toEqual(strict);
    expect(loads).toBe(2);
    await expect(cache.get("p2")).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("runAndLog", () => {
  it("runs under the project's runner policy and logs under its body policy with the call's context", async () => {
    const runs: RunInput[] = [];
    const logs: { context: CallContext; bodies: unknown }[] = [];
    const result = { status: "ok" } as RunResult;
    const settings: ProjectSettings = { runner: { max_retries: 1 }, bodies: { storeBodies: false, maxBodyBytes: 1024 }, evalGate: undefined };
    const out = await runAndLog(
      {
        projectId: "proj",
        promptId: "prompt",
        versionId: "ver",
        version,
        variables: { q: "hi" },
        source: "api",
        subject: "user-1",
        metadata: { apiKeyId: "k1" },
        experiment: { experimentId: "exp", variantId: "var" },
        options: { coerceStrings: true },
      },
      {
        loadSettings: (id) => (id === "proj" ? Promise.resolve(settings) : Promise.reject(new Error("wrong project"))),
        run: (input) => {
          runs.push(input);
          return Promise.resolve(result);
        },
        log: (_r, context, options) => {
          logs.push({ context, bodies: options.bodies });
          return "call-1";
        },
      },
    );
    expect(out).toEqual({ result, callId: "call-1", settings });
    expect(runs[0]?.options).toEqual({
      coerceStrings: true,
      signal: expect.any(AbortSignal),
      source: "api",
      subject: "user-1",
      metadata: { apiKeyId: "k1" },
      projectSettings: { max_retries: 1 },
    });
    expect(logs).toEqual([
      {
        context: { projectId: "proj", promptId: "prompt", versionId: "ver", experimentId: "exp", variantId: "var", source: "api", subject: "user-1" },
        bodies: { storeBodies: false, maxBodyBytes: 1024 },
      },
    ]);
  });

  it("uses settings given by the caller without loading them", async () => {
    const given: ProjectSettings = { runner: undefined, bodies: { storeBodies: true, maxBodyBytes: 512 }, evalGate: undefined };
    let logged: unknown;
    await runAndLog(
      { projectId: "proj", settings: given, promptId: "p", versionId: "v", version, variables: { q: "x" }, source: "playground" },
      {
        loadSettings: () => Promise.reject(new Error("must not load")),
        run: (input) => {
          expect(input.options).not.toHaveProperty("projectSettings");
          return Promise.resolve({ status: "ok" } as RunResult);
        },
        log: (_r, _c, options) => {
          logged = options.bodies;
          return null;
        },
      },
    );
    expect(logged).toEqual({ storeBodies: true, maxBodyBytes: 512 });
  });
});

describe("runs in flight (issue 17, leftover 2: a call cut off at the drain deadline is logged)", () => {
  const settings: ProjectSettings = { runner: undefined, bodies: { storeBodies: false, maxBodyBytes: 1024 }, evalGate: undefined };

  it("abortAll aborts the runs still going and resolves once each has logged its call", async () => {
    const logged: string[] = [];
    const started: string[] = [];
    const call = (id: string, caller?: AbortSignal) =>
      runAndLog(
        {
          projectId: "p",
          settings,
          promptId: "p",
          versionId: "v",
          version,
          variables: { q: id },
          source: "api",
          ...(caller ? { options: { signal: caller } } : {}),
        },
        {
          // A call that runs until it is aborted, then reports it (as the runner does: cancelled, error type aborted).
          run: (input) =>
            new Promise<RunResult>((resolve) => {
              started.push(id);
              input.options?.signal?.addEventListener("abort", () =>
                setTimeout(() => resolve({ status: "cancelled", error: { type: "aborted", message: "aborted" } } as RunResult), 20),
              );
            }),
          log: (result) => {
            logged.push(`${id}:${result.status}`);
            return `call-${id}`;
          },
        },
      );
    const runs = getRunsInFlight();
    const before = runs.size;
    const caller = new AbortController();
    const pending = [call("a"), call("b"), call("c", caller.signal)];
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toEqual(["a", "b", "c"]);
    expect(runs.size).toBe(before + 3);
    caller.abort(); // the caller's own signal still aborts its call
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logged).toEqual(["c:cancelled"]);
    const cut = await runs.abortAll("shutting down", 2_000);
    expect(cut).toEqual({ aborted: 2, ended: 2 });
    expect(logged.sort()).toEqual(["a:cancelled", "b:cancelled", "c:cancelled"]);
    expect((await Promise.all(pending)).map((r) => r.callId)).toEqual(["call-a", "call-b", "call-c"]);
    expect(runs.size).toBe(before);
  });

  it("abortAll gives up waiting at its timeout and says how many ended", async () => {
    const runs = new RunsInFlight();
    const quick = runs.begin();
    runs.begin(); // never ends
    quick.signal.addEventListener("abort", () => quick.end());
    const began = Date.now();
    expect(await runs.abortAll("shutting down", 100)).toEqual({ aborted: 2, ended: 1 });
    expect(Date.now() - began).toBeLessThan(1_000);
  });
});

describe("parseProjectSettings: the release gate", () => {
  it("reads settings.evals.gate with its defaults", () => {
    const { settings, problems } = parseProjectSettings({ evals: { gate: { labels: ["production"], minScore: 0.9 } } });
    expect(problems).toEqual([]);
    expect(settings.evalGate).toEqual({ labels: ["production"], minScore: 0.9, failOnRegression: true, maxAgeDays: 30 });
  });

  it("ignores a malformed gate and names the problem", () => {
    const { settings, problems } = parseProjectSettings({ evals: { gate: { labels: ["Prod!"], minScore: 2 } } });
    expect(settings.evalGate).toBeUndefined();
    expect(problems.join("\n")).toMatch(/settings\.evals ignored: gate\.labels\.0 .*gate\.minScore/);
  });
});
