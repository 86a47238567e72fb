/**
 * Thirty days of demo traffic for the seeded prompts, so Metrics, Cost, Calls and Experiments
 * have something to show on the first visit. Every call goes the way a real one does, minus the
 * network:
 *
 * - the version served is the one the label pointed at when the call was made (the seed's label
 *   history), or the experiment variant sticky assignment picks (`assignVariant`, subject = the
 *   end user) while an experiment runs on the label;
 * - the request is rendered from the version (`renderVersion`) and answered by the Claude
 *   simulator's model (`simulateMessage`) on a prompt cache whose clock is the call's time, so
 *   cache writes and reads follow the 1-hour TTL (writes after the quiet night hours, reads
 *   during the day);
 * - cost is `computeCallCost` at the ModelPrice table's prices; the row is
 *   `callLogRowFromResult` (lib/calls/record.ts); rows are written by a `CallLogWriter` with the
 *   production sink (`rollupCallLogSink`: CallLog insert + rollup upsert in one statement per
 *   1000-row batch), so every rollup is the sum of its call rows.
 *
 * Deterministic: one seeded PRNG (mulberry32) drives the traffic, and call ids are derived from
 * it (the insert skips ids already stored, so a second run never doubles a call). Timestamps are
 * relative to `anchor` (the seed's "now").
 */
import pino from "pino";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { callLogRowFromResult, DEFAULT_BODY_POLICY, type CallLogRow, type CallSourceValue } from "@/lib/calls/record";
import { CallLogWriter, sqlCallLogSink } from "@/lib/calls/writer";
import type { AttemptRecord, RunResult } from "@/lib/claude/runner";
import { simulateMessage, type SimMessage } from "@/lib/claude-simulator/messages";
import { PromptCache } from "@/lib/claude-simulator/prompt-cache";
import { createRng, type Rng } from "@/lib/claude-simulator/random";
import type { MessagesRequest } from "@/lib/claude-simulator/request-schema";
import { tokenizerFactor } from "@/lib/claude-simulator/tokens";
import { assignVariant, type Allocation } from "@/lib/experiments/assignment";
import { rollupCallLogSink, rollupPrices } from "@/lib/metrics/rollup-sql";
import { computeCallCost, findModel, type ModelSpec } from "@/lib/models/catalog";
import { modelSpecFromRow } from "@/lib/models/pricing";
import { estimateTokens } from "@/lib/models/tokens";
import { renderVersion } from "@/lib/prompts/render";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** How far back the traffic goes. */
export const TRAFFIC_DAYS = 30;
/** Calls newer than this keep their request and response bodies (the call detail shows them); older ones keep figures only. */
const BODY_DAYS = 2;
/** The traffic's PRNG seed: same seed, same calls. */
const TRAFFIC_SEED = 18_2026;

type VersionContent = Pick<PromptVersionContent, "system" | "messages" | "variables" | "modelConfig" | "outputSchema" | "policy">;

/** A published (or draft) version the traffic may call. */
export interface TrafficVersion {
  id: string;
  /** "1.2.0" */
  version: string;
  content: VersionContent;
}

/** One label's history: the version it pointed at from `at` on (ms), oldest first. */
export type LabelTimeline = Array<{ version: string; at: number }>;

export interface TrafficExperiment {
  id: string;
  label: string;
  startedAt: number;
  /** When it ended (promoted), or null while it runs. */
  endedAt: number | null;
  allocation: Allocation;
  variants: Array<{ id: string; key: string; version: string; weight: number }>;
}

export interface TrafficPrompt {
  promptId: string;
  name: string;
  versions: TrafficVersion[];
  labels: Record<string, LabelTimeline>;
  experiments: TrafficExperiment[];
}

export interface DemoTrafficInput {
  projectId: string;
  /** The seed's "now" (ms): traffic covers [anchor - 30 days, anchor). */
  anchor: number;
  prompts: TrafficPrompt[];
}

export interface DemoTrafficSummary {
  calls: number;
  byPrompt: Record<string, number>;
  generateMs: number;
  writeMs: number;
}

// ------------------------------------------------------------------------------------ profiles

/** What a caller sends, who it is for, and the ground truth when there is one. */
interface CallInput {
  variables: Record<string, unknown>;
  subject: string | null;
  /** The correct answer (classifier: the ticket's category) for scoring. */
  expected?: string;
}

interface Profile {
  /** Mean production calls on a weekday. */
  perWeekday: number;
  /** Weekend traffic as a share of a weekday's. */
  weekend: number;
  /** Relative calls per UTC hour (0-23). */
  hourly: (hour: number) => number;
  input: (rng: Rng) => CallInput;
  /** Probability that an answer of this version is right (scored calls). */
  quality: (version: string) => number;
  /** Share of calls someone scores (in an experiment: the share its owners review). */
  scoreShare: (inExperiment: boolean) => number;
  /** Latency multiplier of a version (a regression shows here). */
  slowdown: (version: string) => number;
  refusalRate: number;
  invalidRate: number;
  /** Calls from the playground per weekday (staging version, streamed). */
  playgroundPerWeekday: number;
}

/** Customers write from the US and Europe: quiet from 1 to 7 UTC, busiest mid-afternoon UTC. */
const customerHours = (hour: number): number => 0.12 + Math.exp(-((hour - 15) ** 2) / (2 * 4.2 ** 2));
/** The accounts-payable pipeline runs in European office hours. */
const officeHours = (hour: number): number => (hour >= 7 && hour < 18 ? 1 : 0.04);

const QUESTIONS = [
  "Where is my order #{n}? Tracking has not moved for four days.",
  "I want to return the headphones from order #{n}, they hurt my ears. How?",
  "My refund for order #{n} has not arrived after a week.",
  "The laptop I bought (order #{n}) gets very hot and smells like burning plastic.",
  "Can I change the delivery address on order #{n}? I moved.",
  "Do you price-match? The monitor from order #{n} is $40 cheaper elsewhere now.",
  "The package for order #{n} says delivered but I never got it.",
  "Is the 2-year warranty valid for the tablet in order #{n}?",
  "Someone changed my account email and placed order #{n}. I did not.",
  "I was charged twice for order #{n}.",
  "How do I delete my account and my data?",
  "Can I get an invoice with my company VAT number for order #{n}?",
  "The speaker from order #{n} arrived with a cracked grille. Replacement please.",
  "How long does express shipping take to Canada?",
  "Your courier left order #{n} in the rain, the box is soaked.",
  "I want a human, not a bot. This is the second time I ask.",
];
const TIERS = ["standard", "standard", "standard", "plus", "business"];
const STATUS = ["Delivered", "In transit", "Preparing for shipment", "Delivered", "Returned"];
const VENDORS = ["Northwind Traders LLC", "Contoso Office Supply", "Fabrikam Electronics GmbH", "Tailspin Logistics", "Adventure Works SARL"];
const ITEMS = ["USB-C dock", "27-inch monitor", "Ergonomic keyboard", "Laser toner (black)", "Wi-Fi 7 router", "Standing desk frame", "Webcam 4K"];

function fill(template: string, rng: Rng): string {
  return template.replace("{n}", String(rng.int(40_000, 99_999)));
}

/**
 * What the help-center app appends to every account context: the same store facts on every call
 * (the length audit's "long text repeated across calls in a variable" finding).
 */
const STORE_FACTS = [
  "Store facts (same for every customer):",
  "Standard shipping takes 3 to 5 business days in the United States and 5 to 8 business days to Canada and the European Union.",
  "Express shipping takes 1 to 2 business days in the United States and costs $14.99; Plus and Business members get it free.",
  "Orders placed before 2 pm Eastern on a business day leave the warehouse the same day.",
  "Returns are free with the prepaid label from Orders > Return an item; refunds reach the original payment method within 5 to 7 business days after the return is scanned.",
  "Support hours: chat and phone every day from 7 am to 11 pm Eastern; email answers within one business day.",
  "Price match: Acme matches a lower price from a major US retailer within 14 days of delivery, once per item.",
].join("\n");

function supportInput(rng: Rng): CallInput {
  const customer = rng.int(1, 4_000);
  const order = rng.int(40_000, 99_999);
  return {
    variables: {
      question: fill(rng.pick(QUESTIONS), rng),
      account_context: `Customer #${customer}, member since ${rng.int(2015, 2026)}. Last order #${order}: ${rng.pick(STATUS)}, $${rng.int(19, 1_400)}.${rng.next() < 0.3 ? " One open return." : ""}\n\n${STORE_FACTS}`,
      customer_tier: rng.pick(TIERS),
    },
    subject: `customer-${customer}`,
  };
}

function invoiceInput(rng: Rng): CallInput {
  const lines = rng.int(1, 4);
  const rows: string[] = [];
  let total = 0;
  for (let i = 0; i < lines; i++) {
    const qty = rng.int(1, 12);
    const price = rng.int(900, 48_000) / 100;
    total += qty * price;
    rows.push(`${qty} x ${rng.pick(ITEMS)} @ ${price.toFixed(2)}`);
  }
  const vendor = rng.pick(VENDORS);
  return {
    variables: {
      invoice_text: `INVOICE ${rng.pick(["INV", "A", "NW", "2026"])}-${rng.int(1_000, 99_999)}\n${vendor}\nDate: 2026-${String(rng.int(9, 11)).padStart(2, "0")}-${String(rng.int(1, 28)).padStart(2, "0")}\n${rows.join("\n")}\nTotal due: ${total.toFixed(2)}`,
      default_currency: rng.pick(["USD", "USD", "EUR", "GBP"]),
    },
    subject: null,
  };
}

function classifierInput(tickets: ReadonlyArray<readonly [string, string, string, string]>) {
  return (rng: Rng): CallInput => {
    const [ticket, channel, category] = rng.pick(tickets);
    return { variables: { ticket, channel }, subject: `ticket-${rng.int(100_000, 999_999)}`, expected: category };
  };
}

function profiles(tickets: ReadonlyArray<readonly [string, string, string, string]>): Record<string, Profile> {
  return {
    "support-assistant": {
      perWeekday: 330,
      weekend: 0.45,
      hourly: customerHours,
      input: supportInput,
      // 1.2.0's escalation rule and next-step ending is what its experiment measured.
      quality: (v) => ({ "1.0.0": 0.78, "1.1.0": 0.79, "1.2.0": 0.89 })[v] ?? 0.8,
      // The support leads review every answer of an experiment, a sample otherwise.
      scoreShare: (inExperiment) => (inExperiment ? 0.9 : 0.18),
      // effort medium thinks a little longer.
      slowdown: (v) => (v === "1.2.0" ? 1.12 : 1),
      refusalRate: 0.004,
      invalidRate: 0,
      playgroundPerWeekday: 5,
    },
    "ticket-classifier": {
      perWeekday: 380,
      weekend: 0.5,
      hourly: customerHours,
      input: classifierInput(tickets),
      quality: (v) => ({ "1.0.0": 0.85, "1.0.1": 0.86, "1.1.0": 0.9, "1.1.1": 0.92 })[v] ?? 0.88,
      scoreShare: () => 0.3,
      slowdown: () => 1,
      refusalRate: 0,
      invalidRate: 0.002,
      playgroundPerWeekday: 2,
    },
    "invoice-extractor": {
      perWeekday: 110,
      weekend: 0.05,
      hourly: officeHours,
      input: invoiceInput,
      quality: (v) => ({ "1.0.0": 0.9, "1.1.0": 0.93, "1.2.0": 0.95, "2.0.0": 0.95 })[v] ?? 0.9,
      scoreShare: () => 0.12,
      // 1.2.0 moved to Sonnet with effort medium: p95 over the pipeline's 5 s budget, rolled back.
      slowdown: (v) => (v === "1.2.0" ? 2.3 : 1),
      refusalRate: 0,
      invalidRate: 0.008,
      playgroundPerWeekday: 1,
    },
  };
}

/** An Anthropic incident: 529 overloaded for two hours, 17 days ago (most calls still pass on retry). */
const INCIDENT = { startDaysAgo: 17.3, hours: 2, errorRate: 0.09 };
const BASE_ERROR_RATE = 0.003;

// ------------------------------------------------------------------------------------ planning

interface PlannedCall {
  at: number;
  prompt: TrafficPrompt;
  profile: Profile;
  version: TrafficVersion;
  source: CallSourceValue;
  input: CallInput;
  experimentId: string | null;
  variantId: string | null;
  inExperiment: boolean;
  rand: number;
}

/** The version `timeline` pointed at at `t`, or null before its first move. */
function versionAt(timeline: LabelTimeline | undefined, t: number): string | null {
  let current: string | null = null;
  for (const step of timeline ?? []) {
    if (step.at <= t) current = step.version;
    else break;
  }
  return current;
}

function isWeekend(t: number): boolean {
  const day = new Date(t).getUTCDay();
  return day === 0 || day === 6;
}

/** Calls in one hour: the mean with +-15% noise, rounded at random (keeps small means honest). */
function countFor(mean: number, rng: Rng): number {
  const noisy = mean * (0.85 + 0.3 * rng.next());
  const whole = Math.floor(noisy);
  return whole + (rng.next() < noisy - whole ? 1 : 0);
}

function planCalls(input: DemoTrafficInput, rng: Rng, tickets: ReadonlyArray<readonly [string, string, string, string]>): PlannedCall[] {
  const byName = profiles(tickets);
  const start = input.anchor - TRAFFIC_DAYS * DAY_MS;
  const firstHour = Math.floor(start / HOUR_MS) * HOUR_MS;
  const planned: PlannedCall[] = [];
  for (const prompt of input.prompts) {
    const profile = byName[prompt.name];
    if (!profile) continue;
    const versions = new Map(prompt.versions.map((v) => [v.version, v]));
    const shape = Array.from({ length: 24 }, (_, h) => profile.hourly(h));
    const shapeSum = shape.reduce((a, b) => a + b, 0);
    for (let hourStart = firstHour; hourStart < input.anchor; hourStart += HOUR_MS) {
      const hour = new Date(hourStart).getUTCHours();
      const weekend = isWeekend(hourStart);
      const dayFactor = weekend ? profile.weekend : 1;
      const n = countFor((profile.perWeekday * dayFactor * (shape[hour] ?? 0)) / shapeSum, rng);
      for (let i = 0; i < n; i++) {
        const at = hourStart + Math.floor(rng.next() * HOUR_MS);
        if (at < start || at >= input.anchor) continue;
        const served = versionAt(prompt.labels.production, at);
        if (!served) continue;
        const callInput = profile.input(rng);
        let version = versions.get(served);
        let experimentId: string | null = null;
        let variantId: string | null = null;
        const experiment = prompt.experiments.find((e) => e.label === "production" && e.startedAt <= at && (e.endedAt === null || at < e.endedAt));
        if (experiment) {
          const variant = assignVariant(
            { id: experiment.id, allocation: experiment.allocation, variants: experiment.variants.map((v) => ({ ...v, paused: false })) },
            callInput.subject,
            () => rng.next(),
          );
          if (variant) {
            version = versions.get(variant.version);
            experimentId = experiment.id;
            variantId = variant.id;
          }
        }
        if (!version) continue;
        planned.push({
          at,
          prompt,
          profile,
          version,
          source: "api",
          input: callInput,
          experimentId,
          variantId,
          inExperiment: experimentId !== null,
          rand: rng.next(),
        });
      }
      // The prompt engineers try the staging version in the playground during office hours.
      if (!weekend && hour >= 8 && hour < 17) {
        const m = countFor(profile.playgroundPerWeekday / 9, rng);
        for (let i = 0; i < m; i++) {
          const at = hourStart + Math.floor(rng.next() * HOUR_MS);
          const staged = versionAt(prompt.labels.staging, at);
          const version = staged ? versions.get(staged) : undefined;
          if (!version || at < start || at >= input.anchor) continue;
          const callInput = { ...profile.input(rng), subject: null };
          planned.push({
            at,
            prompt,
            profile,
            version,
            source: "playground",
            input: callInput,
            experimentId: null,
            variantId: null,
            inExperiment: false,
            rand: rng.next(),
          });
        }
      }
    }
  }
  return planned.sort((a, b) => a.at - b.at);
}

// ------------------------------------------------------------------------------------ simulation

/** A log-normal factor with median 1 (latency jitter). */
function jitter(rng: Rng, sigma: number): number {
  const u = Math.max(1e-9, rng.next());
  const v = rng.next();
  return Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

const ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A call id in `newCallId`'s shape ("c" + 24 lowercase alphanumerics), from the traffic's PRNG. */
function demoCallId(index: number, rng: Rng): string {
  let rand = "";
  for (let i = 0; i < 14; i++) rand += ID_CHARS[Math.floor(rng.next() * 36)];
  return `cdemo${index.toString(36).padStart(6, "0")}${rand}`;
}

interface Simulated {
  result: RunResult;
  score: number | null;
  expectedOutput: string | null;
}

/** The JSON answer of a classifier call: the ticket's category when the version gets it right. */
function classifierOutput(call: PlannedCall, rng: Rng, correct: boolean, withUrgency: boolean): string {
  const categories = ["billing", "shipping", "returns", "technical", "account", "other"];
  const expected = call.input.expected ?? "other";
  const category = correct ? expected : (categories.filter((c) => c !== expected)[rng.int(0, 4)] ?? "other");
  return JSON.stringify(withUrgency ? { category, urgency: rng.pick(["low", "normal", "normal", "high"]) } : { category });
}

interface SimulationContext {
  cache: PromptCache;
  catalog: readonly ModelSpec[];
  rng: Rng;
  /** When the overload incident started (ms). */
  incidentStart: number;
}

/** The variables the app sends: what the served version's contract declares (customer_tier arrived with 1.2.0). */
function sentVariables(call: PlannedCall): Record<string, unknown> {
  return Object.fromEntries(Object.entries(call.input.variables).filter(([name]) => name in call.version.content.variables));
}

function simulateCall(call: PlannedCall, ctx: SimulationContext): Simulated {
  const { cache, catalog, rng } = ctx;
  const content = call.version.content;
  const variables = sentVariables(call);
  const rendered = renderVersion(content, variables);
  const schema = content.outputSchema.format === "json" ? content.outputSchema.schema : null;
  // The simulator follows the version's JSON Schema when it is given as the output format.
  const body = schema ? { ...rendered, output_config: { ...(rendered.output_config ?? {}), format: { type: "json_schema", schema } } } : rendered;
  const spec = findModel(rendered.model, catalog);
  if (!spec) throw new Error(`demo traffic: no price for ${rendered.model}`);
  // The classifier's answer is set below from the ticket's ground truth: the simulator only does
  // the input side (usage, prompt cache) for it, without generating text.
  const classifier = call.prompt.name === "ticket-classifier";
  // A rendered version is a valid Messages request by construction (the runner sends it as is).
  const request = { ...body, ...(classifier ? { max_tokens: 0 } : {}) } as unknown as MessagesRequest;
  const { profile } = call;
  const sinceIncident = call.at - ctx.incidentStart;
  const errorRate = sinceIncident >= 0 && sinceIncident < INCIDENT.hours * HOUR_MS ? INCIDENT.errorRate : BASE_ERROR_RATE;
  const roll = call.rand;
  const failed = call.source === "api" && roll < errorRate;
  const refused = !failed && call.source === "api" && roll < errorRate + profile.refusalRate;
  const invalid = !failed && !refused && call.source === "api" && roll < errorRate + profile.refusalRate + profile.invalidRate;
  const retried = !failed && rng.next() < (errorRate > BASE_ERROR_RATE ? 0.35 : 0.02);

  const sim = simulateMessage({
    request,
    spec,
    cache,
    fault: refused ? { kind: { type: "refusal" }, count: null, key: null, params: { category: "general_harms" }, source: "refusal" } : null,
    serviceTier: "standard",
    speed: 1,
  });
  let message: SimMessage = sim.message;
  if (!failed) sim.commitCache();
  const correct = rng.next() < profile.quality(call.version.version);
  if (classifier && !refused) {
    const withUrgency = JSON.stringify(schema ?? {}).includes("urgency");
    const text = classifierOutput(call, rng, correct, withUrgency);
    const usage = { ...message.usage, output_tokens: Math.max(1, estimateTokens(text, tokenizerFactor(spec))) };
    message = { ...message, content: [{ type: "text", text, citations: null }], stop_reason: "end_turn", usage };
  }
  const usage = message.usage;
  const tokenUsage = {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheWriteTokens: usage.cache_creation_input_tokens,
    cacheWrite1hTokens: usage.cache_creation.ephemeral_1h_input_tokens,
    cacheReadTokens: usage.cache_read_input_tokens,
  };
  const price = spec;
  const generation = sim.timing.ttftMs + sim.timing.perTokenMs * usage.output_tokens;
  const overhead = 40 + rng.next() * 90;
  let latencyMs = Math.round((generation * profile.slowdown(call.version.version) + overhead) * jitter(rng, 0.22));
  const attempts: AttemptRecord[] = [];
  if (retried) {
    const wait = 500 + rng.next() * 2_500;
    attempts.push({
      model: spec.model,
      kind: "initial",
      status: "error",
      error: { type: "overloaded", message: "Overloaded", httpStatus: 529 },
      durationMs: Math.round(wait / 3),
    });
    latencyMs += Math.round(wait);
  }
  const output = message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
  const common = {
    output: failed ? "" : output,
    usage: failed ? { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 } : tokenUsage,
    costMicros: failed ? 0 : computeCallCost(tokenUsage, price).totalMicros,
    latencyMs,
    ttftMs: call.source === "playground" ? Math.round(sim.timing.ttftMs * jitter(rng, 0.15)) : null,
    fallbacks: [],
    fallbackUsed: null,
    model: spec.model,
    requestedModel: spec.model,
    simulated: true,
    request: rendered as RunResult["request"],
    response: failed ? null : message,
    source: call.source,
    metadata: {},
    subject: call.input.subject,
    chunks: null,
  };
  let result: RunResult;
  if (failed) {
    const timeout = rng.next() < 0.2;
    const error = timeout
      ? { type: "timeout" as const, message: `attempt timed out after ${content.policy.timeout_ms ?? 60_000} ms`, httpStatus: null, requestId: null }
      : { type: "overloaded" as const, message: "Overloaded", httpStatus: 529, requestId: `req_demo${call.at.toString(36)}` };
    const tries = (content.policy.max_retries ?? 2) + 1;
    for (let i = 0; i < tries; i++) {
      attempts.push({
        model: spec.model,
        kind: i === 0 ? "initial" : "retry",
        status: "error",
        error,
        durationMs: timeout ? (content.policy.timeout_ms ?? 60_000) : 300,
      });
    }
    result = {
      ...common,
      status: "error",
      latencyMs: timeout ? (content.policy.timeout_ms ?? 60_000) * tries : latencyMs + tries * 900,
      attempts,
      stopReason: null,
      refusalCategory: null,
      error,
    };
  } else if (refused) {
    attempts.push({ model: spec.model, kind: "initial", status: "refusal", durationMs: latencyMs });
    result = { ...common, status: "refusal", attempts, stopReason: "refusal", refusalCategory: "general_harms", error: null };
  } else if (invalid) {
    attempts.push(
      { model: spec.model, kind: "initial", status: "ok", durationMs: latencyMs },
      { model: spec.model, kind: "repair", status: "ok", durationMs: latencyMs },
    );
    result = {
      ...common,
      status: "invalid_output",
      latencyMs: latencyMs * 2,
      attempts,
      stopReason: message.stop_reason,
      refusalCategory: null,
      validationError: "the document is not an invoice: invoice_number is required and must be a string",
      error: null,
    };
  } else {
    attempts.push({ model: spec.model, kind: "initial", status: "ok", durationMs: latencyMs });
    result = { ...common, status: "ok", attempts, stopReason: message.stop_reason, refusalCategory: null, error: null };
  }
  const scored = result.status === "ok" && call.source === "api" && rng.next() < profile.scoreShare(call.inExperiment);
  return {
    result,
    score: scored ? (correct ? 1 : 0) : null,
    expectedOutput: scored && call.input.expected ? JSON.stringify({ category: call.input.expected }) : null,
  };
}

/** The demo traffic's rows, oldest first (pure apart from the clock-free simulator; same input, same rows). */
export function buildDemoTraffic(
  input: DemoTrafficInput,
  catalog: readonly ModelSpec[],
  tickets: ReadonlyArray<readonly [string, string, string, string]>,
): CallLogRow[] {
  const rng = createRng(TRAFFIC_SEED);
  const planned = planCalls(input, rng, tickets);
  let clock = 0;
  const ctx: SimulationContext = { cache: new PromptCache({ now: () => clock }), catalog, rng, incidentStart: input.anchor - INCIDENT.startDaysAgo * DAY_MS };
  const bodiesFrom = input.anchor - BODY_DAYS * DAY_MS;
  return planned.map((call, index) => {
    clock = call.at;
    const { result, score, expectedOutput } = simulateCall(call, ctx);
    const keepBodies = call.at >= bodiesFrom;
    const row = callLogRowFromResult(
      result,
      {
        projectId: input.projectId,
        promptId: call.prompt.promptId,
        versionId: call.version.id,
        experimentId: call.experimentId,
        variantId: call.variantId,
        createdAt: new Date(call.at),
        // As runAndLog keeps them (metadata.variables) when the project stores bodies.
        ...(keepBodies ? { metadata: { variables: sentVariables(call) } } : {}),
      },
      keepBodies ? DEFAULT_BODY_POLICY : { storeBodies: false, maxBodyBytes: DEFAULT_BODY_POLICY.maxBodyBytes },
    );
    return { ...row, id: demoCallId(index, rng), score, expectedOutput };
  });
}

/**
 * Generates the demo traffic and writes it through a `CallLogWriter` whose sink is the
 * production one (CallLog insert + rollups in one statement per 1000-row batch), at the prices
 * of the ModelPrice table. Rows whose id is already stored are skipped by the insert (and not
 * rolled up), so running it twice stores every call once.
 */
export async function seedDemoTraffic(
  db: PrismaClient,
  input: DemoTrafficInput,
  tickets: ReadonlyArray<readonly [string, string, string, string]>,
): Promise<DemoTrafficSummary> {
  const started = Date.now();
  const catalog = (await db.modelPrice.findMany()).map((row) => modelSpecFromRow(row));
  const rows = buildDemoTraffic(input, catalog, tickets);
  const generated = Date.now();
  const prices = JSON.stringify(rollupPrices(catalog));
  const writer = new CallLogWriter({
    sink: rollupCallLogSink(db, () => Promise.resolve(prices)),
    plainSink: sqlCallLogSink(db),
    flushIntervalMs: 20,
    logger: pino({ level: "warn" }),
  });
  // Fed in slices, each flushed before the next, so the buffer stays far below its bound.
  const SLICE = 5_000;
  for (let i = 0; i < rows.length; i += SLICE) {
    for (const row of rows.slice(i, i + SLICE)) {
      if (!writer.enqueue(row)) throw new Error("demo traffic: the call-log writer refused a row");
    }
    await writer.flush();
  }
  await writer.close();
  const stats = writer.stats();
  if (stats.written !== rows.length || stats.deadLettered > 0) {
    throw new Error(`demo traffic: ${stats.written} of ${rows.length} calls written, ${stats.deadLettered} dead-lettered (see the log)`);
  }
  const byPrompt: Record<string, number> = {};
  const names = new Map(input.prompts.map((p) => [p.promptId, p.name]));
  for (const row of rows) {
    const name = names.get(row.promptId ?? "") ?? "?";
    byPrompt[name] = (byPrompt[name] ?? 0) + 1;
  }
  return { calls: rows.length, byPrompt, generateMs: generated - started, writeMs: Date.now() - generated };
}
