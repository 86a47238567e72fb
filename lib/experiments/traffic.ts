import { randomUUID } from "node:crypto";
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { hasRole } from "@/lib/projects/roles";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import type { RunInput, RunResult } from "@/lib/claude/runner";
import { AppError, isAppError } from "@/lib/errors";
import { childLogger } from "@/lib/logger";
import { prismaPlaygroundStore } from "@/lib/playground/run";
import { parseProjectSettings } from "@/lib/runs/settings";
import { parseVersionContent, type PromptVersionContent, type VariableDef } from "@/lib/prompts/schemas";
import { runAndLog } from "@/lib/runs/run-and-log";
import { assignVariant } from "./assignment";
import { enforceGuardrails } from "./guardrails";
import { getExperiment } from "./queries";
import { sendTrafficSchema } from "./schemas";
import { loadRunningExperiment, type RoutedExperiment } from "./serving";
import { TrafficRunRecorder, type RecorderOptions, type TrafficProgress } from "./traffic-runs";

const log = childLogger({ component: "experiment-traffic" });

/**
 * "Send traffic" from the dashboard: N calls through the experiment's split with bounded
 * concurrency, each logged with source "experiment", the experiment and variant, and a generated
 * subject key (`traffic:<run id>:<index>`, so a re-sent input keeps its variant within the run).
 * Guardrails are evaluated after every batch of calls (the call log is flushed first) and the
 * split is re-read, so a paused variant stops receiving traffic mid-run. Progress is recorded in
 * the database (`traffic-runs.ts`), so every instance can show it and a dead run shows as
 * interrupted.
 */

export type { TrafficProgress, TrafficStatus } from "./traffic-runs";

export interface TrafficInput {
  variables: Record<string, unknown>;
  subject?: string;
}

const lineSchema = z.union([
  z.strictObject({ variables: z.record(z.string(), z.unknown()), subject: z.string().min(1).max(256).optional() }),
  z.record(z.string(), z.unknown()),
]);

/**
 * Pasted CSV (csv-parse, which also streams for larger imports): RFC 4180 quoting, CR, LF or CRLF
 * line ends, a leading BOM dropped, quotes inside an unquoted field kept as text, blank lines and
 * rows of empty fields skipped. Rows may differ in length (reported per row below).
 */
const CSV_OPTIONS = {
  bom: true,
  record_delimiter: ["\r\n", "\n", "\r"],
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  skip_records_with_empty_values: true,
};

/**
 * Pasted inputs: JSON lines (each an object of variables, or {"variables": {...}, "subject": "..."})
 * or CSV with a header row of variable names. Every bad line is reported (unprocessable, path
 * `inputs.<line>`); at most 1000 inputs.
 */
export function parseTrafficInputs(text: string): TrafficInput[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  const issues: { path: string; message: string }[] = [];
  const out: TrafficInput[] = [];
  if (trimmed.startsWith("{")) {
    trimmed.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        issues.push({ path: `inputs.${i + 1}`, message: "line is not valid JSON" });
        return;
      }
      const parsed = lineSchema.safeParse(value);
      if (!parsed.success) issues.push({ path: `inputs.${i + 1}`, message: "each line must be a JSON object of variables" });
      else if (
        "variables" in parsed.data &&
        typeof parsed.data.variables === "object" &&
        parsed.data.variables !== null &&
        Object.keys(parsed.data).every((k) => k === "variables" || k === "subject")
      ) {
        const d = parsed.data as { variables: Record<string, unknown>; subject?: string };
        out.push({ variables: d.variables, ...(d.subject ? { subject: d.subject } : {}) });
      } else out.push({ variables: parsed.data as Record<string, unknown> });
    });
  } else {
    let records: string[][];
    try {
      records = parseCsv(trimmed, CSV_OPTIONS);
    } catch (error) {
      // e.g. a quote that is never closed: the parser's message says where.
      const message = error instanceof Error ? error.message : String(error);
      throw new AppError("unprocessable", `The inputs are not valid CSV: ${message}`, { issues: [{ path: "inputs", message }] });
    }
    const [header, ...rows] = records;
    if (!header) return [];
    const names = header.map((h) => h.trim());
    rows.forEach((cells, i) => {
      if (cells.length !== names.length) issues.push({ path: `inputs.${i + 2}`, message: `expected ${names.length} fields, got ${cells.length}` });
      else out.push({ variables: Object.fromEntries(names.map((n, j) => [n, cells[j] ?? ""])) });
    });
  }
  if (issues.length > 0) throw new AppError("unprocessable", `${issues.length} input line${issues.length === 1 ? " is" : "s are"} invalid`, { issues });
  if (out.length > 1000) throw new AppError("unprocessable", "At most 1000 inputs per run");
  return out;
}

const SAMPLE_TEXT = [
  "How do I reset my password?",
  "My invoice shows a charge I don't recognise.",
  "Can I change the delivery address after ordering?",
  "The app crashes when I upload a photo.",
  "What is your refund policy for annual plans?",
  "How do I export my data as CSV?",
  "Is there a discount for non-profits?",
  "I was charged twice this month.",
  "How do I add a teammate to my workspace?",
  "Where can I download last year's receipts?",
];

/** Variable values generated from a version's contract (strings from a pool of realistic questions). */
export function generateInputs(contract: Readonly<Record<string, VariableDef>>, count: number, random: () => number = Math.random): TrafficInput[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: count }, () => ({
    variables: Object.fromEntries(
      Object.entries(contract).map(([name, def]) => {
        switch (def.type) {
          case "number":
            return [name, Math.floor(random() * 10) + 1];
          case "boolean":
            return [name, random() < 0.5];
          case "enum":
            return [name, pick(def.values)];
          case "string":
            return [name, def.required || random() < 0.7 ? pick(SAMPLE_TEXT) : (def.default ?? "")];
          default:
            return [name, def.default ?? ""];
        }
      }),
    ),
  }));
}

export interface TrafficDeps {
  run?: (input: RunInput) => Promise<RunResult>;
  runDeps?: RunInput["deps"];
  batchSize?: number;
  /** Progress-recording options (database, flush and heartbeat intervals). */
  recorder?: RecorderOptions;
}

/**
 * Validates and starts a traffic run in the background; resolves once its progress row exists,
 * with the progress at that moment (`done` is the promise of the whole run, resolved after the
 * final counters are stored, for tests and scripts; `recorder` counts the writes). EDITOR+; the
 * experiment must be RUNNING.
 */
export async function startTraffic(
  actor: Actor,
  experimentId: string,
  body: unknown,
  deps: TrafficDeps = {},
): Promise<{ progress: TrafficProgress; done: Promise<TrafficProgress>; recorder: TrafficRunRecorder }> {
  if (!hasRole(actor.role, "EDITOR")) throw new AppError("forbidden", "This needs the editor role or higher");
  const parsed = sendTrafficSchema.safeParse(body);
  if (!parsed.success)
    throw new AppError("unprocessable", parsed.error.issues[0]?.message ?? "Invalid traffic request", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  const experiment = await getExperiment(actor.projectId, experimentId);
  if (experiment.status !== "RUNNING")
    throw new AppError("conflict", `The experiment is ${experiment.status.toLowerCase()}: start or resume it to send traffic`);
  const routed = await loadRunningExperiment(actor.projectId, experiment.prompt.name, experiment.label);
  if (!routed || routed.id !== experiment.id) throw new AppError("conflict", "The experiment is not running");

  const versions = new Map<string, { content: PromptVersionContent; promptId: string; settings: unknown }>();
  for (const v of experiment.variants) {
    const loaded = await prismaPlaygroundStore.loadVersion(actor.projectId, experiment.prompt.name, v.versionId);
    versions.set(v.id, { content: parseVersionContent(loaded.content), promptId: loaded.promptId, settings: loaded.projectSettings });
  }
  const control = versions.get(experiment.variants[0]?.id ?? "");
  let inputs: TrafficInput[];
  if (parsed.data.mode === "paste") {
    inputs = parseTrafficInputs(parsed.data.inputs);
    if (inputs.length === 0)
      throw new AppError("unprocessable", "Paste at least one input (JSON lines or CSV with a header row)", {
        issues: [{ path: "inputs", message: "no inputs" }],
      });
  } else {
    inputs = generateInputs(control?.content.variables ?? {}, parsed.data.count);
  }

  const id = randomUUID();
  const progress: TrafficProgress = {
    id,
    experimentId,
    total: inputs.length,
    done: 0,
    ok: 0,
    failed: 0,
    invalid: 0,
    byVariant: Object.fromEntries(experiment.variants.map((v) => [v.key, 0])),
    status: "running",
    message: null,
    pausedVariants: [],
    startedBy: "",
    startedAt: new Date().toISOString(),
    heartbeatAt: new Date().toISOString(),
    finishedAt: null,
  };
  const recorder = new TrafficRunRecorder(progress, deps.recorder);
  await recorder.begin(actor);
  const snapshot = (): TrafficProgress => ({ ...progress, byVariant: { ...progress.byVariant }, pausedVariants: [...progress.pausedVariants] });
  // Every variant belongs to the same project: one policy for the whole run.
  const { settings, problems } = parseProjectSettings(control?.settings);
  for (const problem of problems) log.warn({ projectId: actor.projectId }, problem);
  const batchSize = deps.batchSize ?? 10;

  const done = (async () => {
    let current: RoutedExperiment | null = routed;
    let next = 0;
    let sinceCheck = 0;
    let checking: Promise<void> | null = null;
    const check = async () => {
      await getCallLogWriter().flush({ timeoutMs: 10_000 });
      const paused = await enforceGuardrails(experimentId);
      for (const b of paused) progress.pausedVariants.push(`${b.key}: ${b.reason}`);
      if (paused.length > 0) recorder.changed();
      current = await loadRunningExperiment(actor.projectId, experiment.prompt.name, experiment.label);
      if ((!current || current.id !== experimentId) && progress.status === "running") {
        progress.status = "stopped";
        progress.message = "The experiment stopped running (paused, ended or all variants paused); the remaining calls were not sent.";
      }
    };
    const worker = async () => {
      while (progress.status === "running") {
        // Wait for a guardrail check in progress: the split it re-reads decides the next calls.
        if (checking) await checking;
        if (progress.status !== "running") return;
        const index = next++;
        const input = inputs[index];
        if (input === undefined || !current) return;
        const subject = input.subject ?? `traffic:${id}:${index}`;
        const variant = assignVariant(current, subject);
        if (!variant) {
          progress.status = "stopped";
          progress.message = "No variant can take traffic (all paused).";
          return;
        }
        const version = versions.get(variant.id);
        if (!version) return;
        try {
          const { result } = await runAndLog(
            {
              projectId: actor.projectId,
              settings,
              promptId: version.promptId,
              versionId: variant.versionId,
              version: version.content,
              variables: input.variables as RunInput["variables"],
              source: "experiment",
              subject,
              metadata: { trafficRunId: id, ...(actor.kind === "user" ? { userId: actor.userId } : { apiKeyId: actor.apiKeyId }) },
              experiment: { experimentId, variantId: variant.id },
              options: { coerceStrings: true },
            },
            { ...(deps.run ? { run: deps.run } : {}), ...(deps.runDeps ? { runDeps: deps.runDeps } : {}) },
          );
          progress.byVariant[variant.key] = (progress.byVariant[variant.key] ?? 0) + 1;
          if (result.status === "error") progress.failed++;
          else progress.ok++;
        } catch (error) {
          if (!isAppError(error)) throw error;
          progress.invalid++;
          progress.message = `Input ${index + 1} was not sent: ${error.message}`;
        }
        progress.done++;
        recorder.changed();
        sinceCheck++;
        if (sinceCheck >= batchSize && !checking) {
          sinceCheck = 0;
          checking = check().finally(() => {
            checking = null;
          });
          await checking;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(parsed.data.concurrency, inputs.length) }, () => worker()));
      if (checking) await checking;
      await check().catch(() => {});
      if (progress.status === "running") progress.status = "done";
    } catch (error) {
      progress.status = "stopped";
      progress.message = "The run failed on our side; the error was logged.";
      log.error({ err: error, experimentId }, "traffic run failed");
    } finally {
      progress.finishedAt = new Date().toISOString();
    }
    await recorder.finish();
    return snapshot();
  })();
  return { progress: snapshot(), done, recorder };
}
