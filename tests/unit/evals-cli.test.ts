// The eval CLI's argument parsing and gate, without a server.
import { describe, expect, it } from "vitest";
import { gateFailures, parseEvalArgs, UsageError } from "../../scripts/eval-cli";
import type { EvalRun } from "@/lib/client";

const env = { PROMPTDECK_API_KEY: "pd_test_key_123456789" };

describe("promptdeck eval: arguments", () => {
  it("parses the documented flags with defaults", () => {
    const options = parseEvalArgs(
      [
        "--prompt",
        "support",
        "--version",
        "draft",
        "--version",
        "1.2.0",
        "--dataset",
        "tickets",
        "--baseline",
        "production",
        "--min-score",
        "0.9",
        "--fail-on-regression",
      ],
      env,
    );
    expect(options).toMatchObject({
      prompt: "support",
      versions: ["draft", "1.2.0"],
      dataset: "tickets",
      baseline: "production",
      minScore: 0.9,
      failOnRegression: true,
      mode: "batch",
      url: "http://localhost:3000",
      apiKey: env.PROMPTDECK_API_KEY,
      evaluators: [{ type: "exact_match", id: "exact" }],
      pollMs: 2000,
    });
    expect(parseEvalArgs(["--prompt", "p", "--dataset", "d"], { ...env, PROMPTDECK_URL: "http://ci:8080" })).toMatchObject({
      versions: ["draft"],
      url: "http://ci:8080",
      failOnRegression: false,
    });
    expect(parseEvalArgs(["--prompt", "p", "--dataset", "d", "--mode", "realtime", "--evaluator", '{"type":"valid_json","id":"json"}'], env)).toMatchObject({
      mode: "realtime",
      evaluators: [{ type: "valid_json", id: "json" }],
    });
  });

  it("refuses bad usage with a message naming the problem", () => {
    const bad: Array<[string[], Record<string, string>, RegExp]> = [
      [["--dataset", "d"], env, /--prompt is required/],
      [["--prompt", "p"], env, /--dataset is required/],
      [["--prompt", "p", "--dataset", "d"], {}, /PROMPTDECK_API_KEY/],
      [["--prompt", "p", "--dataset", "d", "--mode", "fast"], env, /--mode must be batch or realtime/],
      [["--prompt", "p", "--dataset", "d", "--min-score", "1.5"], env, /--min-score must be a number from 0 to 1/],
      [["--prompt", "p", "--dataset", "d", "--min-score", "NaN"], env, /--min-score/],
      [["--prompt", "p", "--dataset", "d", "--dataset-version", "1e400"], env, /--dataset-version/],
      [["--prompt", "p", "--dataset", "d", "--evaluator", "{nope"], env, /--evaluator #1 is not JSON/],
      [["--prompt", "p", "--dataset", "d", "--evaluator", "[1]"], env, /must be a JSON object/],
      [["--prompt", "p", "--dataset", "d", "--url", "not a url"], env, /--url is not a URL/],
      [["--prompt", "p", "--dataset", "d", "--frobnicate"], env, /Unknown option/],
      [["--prompt", "p", "--dataset", "d", "stray"], env, /positional/],
    ];
    for (const [argv, e, message] of bad) expect(() => parseEvalArgs(argv, e), argv.join(" ")).toThrow(message);
    expect(() => parseEvalArgs(["--help"], env)).toThrow(UsageError);
  });
});

describe("promptdeck eval: the gate", () => {
  const version = (display: string, baseline: boolean, summary: unknown) =>
    ({
      id: display,
      requested: display,
      display,
      position: 0,
      versionId: null,
      contentHash: "",
      baseline,
      counts: { pending: 0, succeeded: 1, errored: 0, canceled: 0, expired: 0 },
      summary,
      gatePassed: null,
    }) as EvalRun["versions"][number];
  const run = (versions: EvalRun["versions"], status: EvalRun["status"] = "completed") => ({ status, error: null, versions }) as unknown as EvalRun;

  it("checks every evaluated version, never the baseline", () => {
    const r = run([
      version("draft", false, { combined: { mean: 0.85 }, regressions: 2 }),
      version("1.0.0", true, { combined: { mean: 0.2 }, regressions: null }),
    ]);
    expect(gateFailures(r, { minScore: 0.8, failOnRegression: false })).toEqual([]);
    expect(gateFailures(r, { minScore: 0.9, failOnRegression: false })).toEqual(["draft: mean score 0.850 is below --min-score 0.9"]);
    expect(gateFailures(r, { failOnRegression: true })).toEqual(["draft: 2 item(s) passed on the baseline and fail now"]);
    expect(gateFailures(run([version("draft", false, null)]), { minScore: 0.1, failOnRegression: false })).toEqual([
      "draft: mean score - is below --min-score 0.1",
    ]);
    expect(gateFailures(run([], "failed"), { failOnRegression: false })).toEqual(["the run ended failed"]);
  });
});
