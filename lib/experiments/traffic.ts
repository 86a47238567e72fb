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
import { getDatasetByName, iterateItems, listVersions, type DatasetItemView } from "@/lib/datasets/queries";
import { datasetNameSchema } from "@/lib/datasets/schemas";
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
  /** Kept with the logged call (e.g. the dataset item it came from). */
  metadata?: Record<string, unknown>;
}

/** At most this many dataset items per traffic run (each item is one paid call). */
export const MAX_DATASET_TRAFFIC = 10_000;

/** Where a run's inputs come from, one at a time (a dataset is streamed, never held whole). */
interface InputSource {
  total: number;
  next(): Promise<{ index: number; input: TrafficInput } | undefined>;
}

function arraySource(inputs: readonly TrafficInput[]): InputSource {
  let index = 0;
  return {
    total: inputs.length,
    next: async () => {
      const input = inputs[index];
      return input === undefined ? undefined : { index: index++, input };
    },
  };
}

/**
 * Each item of a dataset version once, in the dataset's order, streamed through `iterateItems`
 * (one page in memory). An item's subject is its stable key, so an item keeps its variant across
 * runs, as a returning user would. Unknown dataset or version, an empty one, or more than
 * `MAX_DATASET_TRAFFIC` items: unprocessable, naming the field.
 */
async function datasetSource(projectId: string, name: string, requestedVersion: number | undefined): Promise<InputSource> {
  const refuse = (path: string, message: string) => new AppError("unprocessable", message, { issues: [{ path, message }] });
  if (!name.trim()) throw refuse("dataset", "Choose a dataset to send");
  const validName = datasetNameSchema.safeParse(name.trim());
  if (!validName.success) throw refuse("dataset", `Not a dataset name: ${validName.error.issues[0]?.message ?? "invalid"}`);
  const dataset = await getDatasetByName(projectId, validName.data);
  if (!dataset) throw refuse("dataset", `There is no dataset named "${name.trim()}" in this project`);
  const version = requestedVersion ?? dataset.latestVersion;
  const versionRow = (await listVersions(dataset.id)).find((v) => v.number === version);
  if (!versionRow) {
    throw refuse(
      "datasetVersion",
      dataset.latestVersion === 0
        ? `Dataset "${dataset.name}" has no items yet`
        : `Dataset "${dataset.name}" has versions 1 to ${dataset.latestVersion}, not ${version}`,
    );
  }
  if (versionRow.itemCount === 0) throw refuse("dataset", `Dataset "${dataset.name}" v${version} has no items`);
  if (versionRow.itemCount > MAX_DATASET_TRAFFIC) {
    throw refuse("dataset", `Dataset "${dataset.name}" v${version} has ${versionRow.itemCount} items; a traffic run sends at most ${MAX_DATASET_TRAFFIC}`);
  }
  const pages = iterateItems(dataset.id, version, 200)[Symbol.asyncIterator]();
  let buffer: DatasetItemView[] = [];
  let position = 0;
  let index = 0;
  // Workers ask concurrently; one read at a time keeps the order and the page reads single.
  let chain: Promise<unknown> = Promise.resolve();
  const read = async (): Promise<{ index: number; input: TrafficInput } | undefined> => {
    while (position >= buffer.length) {
      const page = await pages.next();
      if (page.done) return undefined;
      buffer = page.value;
      position = 0;
    }
    const item = buffer[position++] as DatasetItemView;
    return {
      index: index++,
      input: {
        variables: item.variables,
        subject: `dataset:${dataset.id}:${item.key}`,
        metadata: { datasetId: dataset.id, datasetVersion: version, datasetItemKey: item.key },
      },
    };
  };
  return {
    total: versionRow.itemCount,
    next: () => {
      const result = chain.then(read);
      chain = result.catch(() => undefined);
      return result;
    },
  };
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
  let source: InputSource;
  if (parsed.data.mode === "paste") {
    const inputs = parseTrafficInputs(parsed.data.inputs);
    if (inputs.length === 0)
      throw new AppError("unprocessable", "Paste at least one input (JSON lines or CSV with a header row)", {
        issues: [{ path: "inputs", message: "no inputs" }],
      });
    source = arraySource(inputs);
  } else if (parsed.data.mode === "dataset") {
    source = await datasetSource(actor.projectId, parsed.data.dataset, parsed.data.datasetVersion);
  } else {
    source = arraySource(generateInputs(control?.content.variables ?? {}, parsed.data.count));
  }

  const id = randomUUID();
  const progress: TrafficProgress = {
    id,
    experimentId,
    total: source.total,
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
        if (!current) return;
        const next = await source.next();
        if (!next) return;
        const { index, input } = next;
        // A guardrail check may have stopped the run while the next input was read.
        if (!current || progress.status !== "running") return;
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
              metadata: { trafficRunId: id, ...input.metadata, ...(actor.kind === "user" ? { userId: actor.userId } : { apiKeyId: actor.apiKeyId }) },
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
      await Promise.all(Array.from({ length: Math.min(parsed.data.concurrency, source.total) }, () => worker()));
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
