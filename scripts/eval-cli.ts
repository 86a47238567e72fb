// `npx promptdeck eval ...`: starts an eval run through the public API, waits with progress,
// prints each version's summary and the comparison with the baseline, and exits 0 when the gate
// passes, 1 when it fails, 2 on a usage or server error (so a CI pipeline can block a release).
import { parseArgs } from "node:util";
// Relative import: the launcher may run from any directory, where the @/ alias is unknown.
import { PromptdeckClient, PromptdeckError, type CreateEvalRunRequest, type EvalComparison, type EvalRun } from "../lib/client";

export const EXIT_PASS = 0;
export const EXIT_GATE_FAILED = 1;
export const EXIT_ERROR = 2;

export const USAGE = `Usage: promptdeck eval --prompt NAME --dataset NAME [options]

  --prompt NAME            the prompt to evaluate
  --version V              a version to evaluate: "1.2.0", "draft" or a label (repeatable; default draft)
  --dataset NAME           the dataset to run
  --dataset-version N      a dataset version (default: the latest)
  --baseline V             the version to compare with (e.g. production)
  --evaluator JSON         an evaluator config (repeatable; default exact match)
  --mode batch|realtime    Message Batches at 50% off (default), or realtime calls
  --min-score X            fail when a version's mean score is below X (0..1)
  --fail-on-regression     fail when an item that passed on the baseline fails now
  --url URL                the Promptdeck server (default $PROMPTDECK_URL or http://localhost:3000)
  --poll-ms N              how often to check progress (default 2000)
  --timeout-minutes N      give up after N minutes (default 1440)

The API key comes from $PROMPTDECK_API_KEY (scopes evals:run and prompts:read).
Exit codes: 0 the gate passed, 1 the gate failed, 2 usage or server error.`;

export interface EvalCliOptions {
  prompt: string;
  versions: string[];
  dataset: string;
  datasetVersion?: number;
  baseline?: string;
  evaluators: Array<Record<string, unknown>>;
  mode: "batch" | "realtime";
  minScore?: number;
  failOnRegression: boolean;
  url: string;
  apiKey: string;
  pollMs: number;
  timeoutMs: number;
}

export class UsageError extends Error {}

function number(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw new UsageError(`--${name} must be a number from ${min} to ${max} (got "${text}")`);
  return value;
}

/** argv after `eval` -> options; throws UsageError naming the problem. */
export function parseEvalArgs(argv: string[], env: Record<string, string | undefined>): EvalCliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        prompt: { type: "string" },
        version: { type: "string", multiple: true },
        dataset: { type: "string" },
        "dataset-version": { type: "string" },
        baseline: { type: "string" },
        evaluator: { type: "string", multiple: true },
        mode: { type: "string" },
        "min-score": { type: "string" },
        "fail-on-regression": { type: "boolean" },
        url: { type: "string" },
        "poll-ms": { type: "string" },
        "timeout-minutes": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) throw new UsageError("");
  if (!v.prompt) throw new UsageError("--prompt is required");
  if (!v.dataset) throw new UsageError("--dataset is required");
  const mode = v.mode ?? "batch";
  if (mode !== "batch" && mode !== "realtime") throw new UsageError(`--mode must be batch or realtime (got "${mode}")`);
  const apiKey = env.PROMPTDECK_API_KEY;
  if (!apiKey) throw new UsageError("set PROMPTDECK_API_KEY to a project API key with the evals:run and prompts:read scopes");
  const evaluators = (v.evaluator ?? []).map((text, i) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new UsageError(`--evaluator #${i + 1} is not JSON: ${text}`);
    }
    if (!value || typeof value !== "object" || Array.isArray(value))
      throw new UsageError(`--evaluator #${i + 1} must be a JSON object such as {"type":"exact_match","id":"exact"}`);
    return value as Record<string, unknown>;
  });
  const url = v.url ?? env.PROMPTDECK_URL ?? "http://localhost:3000";
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${url}`);
  }
  const datasetVersion = number("dataset-version", v["dataset-version"], 1, 2_000_000_000);
  if (datasetVersion !== undefined && !Number.isInteger(datasetVersion)) throw new UsageError("--dataset-version must be a whole number");
  return {
    prompt: v.prompt,
    versions: v.version && v.version.length > 0 ? v.version : ["draft"],
    dataset: v.dataset,
    ...(datasetVersion !== undefined ? { datasetVersion } : {}),
    ...(v.baseline ? { baseline: v.baseline } : {}),
    evaluators: evaluators.length > 0 ? evaluators : [{ type: "exact_match", id: "exact" }],
    mode,
    ...(v["min-score"] !== undefined ? { minScore: number("min-score", v["min-score"], 0, 1) } : {}),
    failOnRegression: v["fail-on-regression"] === true,
    url,
    apiKey,
    pollMs: number("poll-ms", v["poll-ms"], 10, 600_000) ?? 2_000,
    timeoutMs: (number("timeout-minutes", v["timeout-minutes"], 0.01, 10_080) ?? 1_440) * 60_000,
  };
}

interface Summary {
  items?: number;
  succeeded?: number;
  errored?: number;
  canceled?: number;
  expired?: number;
  costMicros?: number;
  combined?: { mean: number | null; ci95: [number, number] | null; passRate: number | null };
  evaluators?: Record<string, { mean: number | null; ci95: [number, number] | null; passRate: number | null }>;
  regressions?: number | null;
  gate?: { passed: boolean; reasons: string[] };
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "-" : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined) => (x === null || x === undefined ? "-" : x.toFixed(3));
const dollars = (micros: number | undefined) => `$${((micros ?? 0) / 1_000_000).toFixed(4)}`;

/** The gate: every evaluated (non-baseline) version's mean score >= minScore; no regression when asked. */
export function gateFailures(run: EvalRun, options: Pick<EvalCliOptions, "minScore" | "failOnRegression">): string[] {
  const failures: string[] = [];
  if (run.status !== "completed") failures.push(`the run ended ${run.status}${run.error ? `: ${run.error}` : ""}`);
  for (const version of run.versions) {
    if (version.baseline) continue;
    const summary = (version.summary ?? {}) as Summary;
    const mean = summary.combined?.mean ?? null;
    if (options.minScore !== undefined && (mean === null || mean < options.minScore)) {
      failures.push(`${version.display}: mean score ${num(mean)} is below --min-score ${options.minScore}`);
    }
    if (options.failOnRegression && (summary.regressions ?? 0) > 0) {
      failures.push(`${version.display}: ${summary.regressions} item(s) passed on the baseline and fail now`);
    }
  }
  return failures;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs the command; returns the exit code. */
export async function runEvalCli(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  let options: EvalCliOptions;
  try {
    options = parseEvalArgs(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) io.err(`promptdeck eval: ${error.message}`);
      io.err(USAGE);
      return EXIT_ERROR;
    }
    throw error;
  }
  const sleep = io.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const client = new PromptdeckClient({ baseUrl: options.url, apiKey: options.apiKey, timeoutMs: 120_000 });
  try {
    let run = await client.startEvalRun({
      prompt: options.prompt,
      versions: options.versions as CreateEvalRunRequest["versions"],
      dataset: options.dataset,
      ...(options.datasetVersion !== undefined ? { datasetVersion: options.datasetVersion } : {}),
      ...(options.baseline ? { baseline: options.baseline } : {}),
      evaluators: options.evaluators as never,
      mode: options.mode,
    });
    const estimate = run.estimate as { batchMicros?: number; realtimeMicros?: number } | null;
    io.out(
      `eval run ${run.id}: ${run.prompt.name} ${run.versions.map((v) => `${v.display}${v.baseline ? " (baseline)" : ""}`).join(" vs ")} on ${run.dataset.name} v${run.dataset.version}, ${run.mode} mode` +
        (estimate ? ` (estimated ${dollars(estimate.batchMicros)} in batch, ${dollars(estimate.realtimeMicros)} realtime)` : ""),
    );
    const started = Date.now();
    let last = "";
    while (run.status === "queued" || run.status === "running") {
      if (Date.now() - started > options.timeoutMs) {
        io.err(`promptdeck eval: the run did not end within ${options.timeoutMs / 60_000} minutes (it goes on: ${run.id})`);
        return EXIT_ERROR;
      }
      await sleep(options.pollMs);
      run = await client.getEvalRun(run.id);
      const line = `${run.status} ${run.phase} ${run.progress.done}/${run.progress.total}`;
      if (line !== last) {
        const share = run.progress.total > 0 ? Math.floor((run.progress.done / run.progress.total) * 100) : 0;
        io.out(`  [${"#".repeat(Math.floor(share / 5)).padEnd(20, ".")}] ${share}% ${line}`);
        last = line;
      }
    }
    io.out(`run ${run.status} (cost ${dollars(run.costMicros)})`);
    for (const version of run.versions) {
      const s = (version.summary ?? {}) as Summary;
      io.out(
        `  ${version.display}${version.baseline ? " (baseline)" : ""}: score ${num(s.combined?.mean)}${s.combined?.ci95 ? ` [${num(s.combined.ci95[0])}, ${num(s.combined.ci95[1])}]` : ""}, pass ${pct(s.combined?.passRate)}, ` +
          `${s.succeeded ?? version.counts.succeeded}/${s.items ?? "?"} ok, ${version.counts.errored} errored, ${version.counts.expired + version.counts.canceled} expired/canceled, cost ${dollars(s.costMicros)}` +
          (s.regressions ? `, ${s.regressions} regression(s)` : ""),
      );
      for (const [id, e] of Object.entries(s.evaluators ?? {})) io.out(`      ${id}: mean ${num(e.mean)}, pass ${pct(e.passRate)}`);
      if (s.gate) io.out(`      project gate: ${s.gate.passed ? "passed" : "failed"}${s.gate.reasons.length ? ` (${s.gate.reasons.join("; ")})` : ""}`);
    }
    if (run.status === "completed" && run.versions.some((v) => v.baseline)) {
      const { comparisons } = await client.compareEvalRun(run.id);
      for (const c of comparisons as EvalComparison["comparisons"]) {
        io.out(`  ${c.display} vs ${c.baseline.display}: ${c.combined.verdict.text}`);
        if (c.regressions.count > 0)
          io.out(
            `      regressions: ${c.regressions.items
              .map((i) => i.key)
              .slice(0, 20)
              .join(", ")}${c.regressions.count > 20 ? ", ..." : ""}`,
          );
      }
    }
    if (run.status === "failed" || run.status === "canceled") {
      io.err(`promptdeck eval: the run ended ${run.status}${run.error ? `: ${run.error}` : ""}`);
      return EXIT_ERROR;
    }
    const failures = gateFailures(run, options);
    if (failures.length > 0) {
      io.out(`GATE FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
      return EXIT_GATE_FAILED;
    }
    io.out("GATE PASSED");
    return EXIT_PASS;
  } catch (error) {
    if (error instanceof PromptdeckError) {
      io.err(`promptdeck eval: ${error.status === 0 ? "cannot reach the server" : `server answered ${error.status}`}: ${error.message}`);
      for (const issue of error.issues.slice(0, 20)) io.err(`  ${issue.path}: ${issue.message}`);
      return EXIT_ERROR;
    }
    io.err(`promptdeck eval: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
}

/** The `promptdeck` command: `promptdeck eval ...`. */
export async function main(argv: string[]): Promise<number> {
  const io: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  const [command, ...rest] = argv;
  if (command !== "eval") {
    io.err(command ? `promptdeck: unknown command "${command}"` : "promptdeck: name a command");
    io.err(USAGE);
    return EXIT_ERROR;
  }
  return runEvalCli(rest, process.env, io);
}

if (process.argv[1] && /eval-cli\.ts$/.test(process.argv[1])) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
