import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import pino from "pino";
import { ADMIN, ADMIN_STATE, presetTheme, snap, watchConsole } from "./fixtures";
import { getDb } from "@/lib/db/client";
import { computeCallCost, findModel, type ModelSpec } from "@/lib/models/catalog";
import { newCallId, type CallLogRow } from "@/lib/calls/record";
import { CallLogWriter } from "@/lib/calls/writer";
import { rollupCallLogSink } from "@/lib/metrics/rollup-sql";
import { createPrompt, moveLabel, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import type { Actor } from "@/lib/audit/actor";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

// Seeds its own project (the demo project has 30 days of seeded traffic; exact counts need a
// project of their own): a prompt with two versions, calls logged through the production writer
// sink (CallLog + rollups), then checks the metrics pages render charts, filters change them, and
// a label move adds a release marker.
test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const suffix = randomUUID().slice(0, 6);
const SLUG = `metrics-e2e-${suffix}`;
const PROMPT = "support-triage";
let actor: Actor;
let promptId: string;
let v1: string;
let v2: string;
let name1: string;
let name2: string;
let firstCallId: string;

function content(text: string): PromptVersionContent {
  return {
    system: [{ type: "text", role: "instructions", text }],
    messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
    variables: { question: { type: "string", required: true, description: "The question" } },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 512 },
    outputSchema: { format: "text" },
    policy: {},
  };
}

function call(projectId: string, versionId: string, i: number, hoursAgo: number, slow: boolean): CallLogRow {
  const spec = (i % 4 === 0 ? findModel("claude-haiku-5-5") : findModel("claude-sonnet-5-5")) as ModelSpec;
  const usage = {
    inputTokens: 300 + (i % 50),
    outputTokens: 100 + (i % 80),
    cacheWriteTokens: i % 10 === 0 ? 2000 : 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: i % 2 === 0 ? 2000 : 0,
  };
  return {
    id: newCallId(),
    projectId,
    promptId,
    versionId,
    experimentId: null,
    variantId: null,
    source: i % 6 === 0 ? "playground" : "api",
    model: spec.model,
    requestedModel: spec.model,
    status: i % 17 === 0 ? "error" : i % 23 === 0 ? "refusal" : "ok",
    errorType: i % 17 === 0 ? "overloaded" : null,
    errorMessage: null,
    httpStatus: i % 17 === 0 ? 529 : null,
    stopReason: "end_turn",
    refusalCategory: null,
    attempts: 1,
    fallbackUsed: null,
    simulated: true,
    batch: i % 9 === 0,
    ...usage,
    costMicros: BigInt(computeCallCost(usage, spec, { batch: i % 9 === 0 }).totalMicros),
    latencyMs: (slow ? 1600 : 700) + ((i * 37) % 900),
    ttftMs: null,
    outputChars: (slow ? 900 : 500) + (i % 100),
    score: i % 5 === 0 ? (i % 10 === 0 ? 1 : 0) : null,
    expectedOutput: null,
    subjectHash: null,
    request: { model: spec.model, messages: [{ role: "user", content: `question ${i}` }] },
    response: { content: [{ type: "text", text: `answer ${i}` }] },
    metadata: { attempts: [{ status: "ok" }] },
    createdAt: new Date(Date.now() - hoursAgo * 3_600_000 - (i % 50) * 1000),
  };
}

test.beforeAll(async () => {
  const db = getDb();
  const user = await db.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
  const project = await db.project.create({ data: { slug: SLUG, name: `Metrics ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  actor = { kind: "user", userId: user.id, projectId: project.id, role: "ADMIN" };
  const prompt = await createPrompt(actor, { name: PROMPT, content: content("Triage the ticket.") });
  promptId = prompt.id;
  const p1 = await publishDraft(actor, { promptId, changelog: "first" });
  v1 = p1.id;
  name1 = `${p1.major}.${p1.minor}.${p1.patch}`;
  await moveLabel(actor, { promptId, label: "production", versionId: v1 });
  await saveDraft(actor, { promptId, content: content("Triage the ticket. Be brief.") });
  const p2 = await publishDraft(actor, { promptId, changelog: "brief" });
  v2 = p2.id;
  name2 = `${p2.major}.${p2.minor}.${p2.patch}`;
  const writer = new CallLogWriter({ sink: rollupCallLogSink(db), flushIntervalMs: 20, logger: pino({ level: "silent" }) });
  const rows: CallLogRow[] = [];
  for (let i = 0; i < 240; i++) rows.push(call(project.id, v1, i, 20 - (i % 20), false));
  for (let i = 0; i < 160; i++) rows.push(call(project.id, v2, i, 8 - (i % 8), true));
  for (const r of rows) writer.enqueue(r);
  await writer.close();
  firstCallId = rows[rows.length - 1]!.id;
});

const FRESH = `metrics-fresh-${suffix}`;

// A project whose only calls came in during the last half hour.
async function seedFreshProject(): Promise<void> {
  const db = getDb();
  const user = await db.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
  const project = await db.project.create({ data: { slug: FRESH, name: `Fresh ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  const freshActor: Actor = { kind: "user", userId: user.id, projectId: project.id, role: "ADMIN" };
  const prompt = await createPrompt(freshActor, { name: PROMPT, content: content("Triage the ticket.") });
  const version = await publishDraft(freshActor, { promptId: prompt.id, changelog: "first" });
  const writer = new CallLogWriter({ sink: rollupCallLogSink(db), flushIntervalMs: 20, logger: pino({ level: "silent" }) });
  for (let i = 0; i < 30; i++) {
    const row = call(project.id, version.id, i + 1, 0, false);
    writer.enqueue({ ...row, promptId: prompt.id, source: "api", createdAt: new Date(Date.now() - 5_000 - i * 60_000) });
  }
  await writer.close();
}

test("fresh data draws a line: the last half hour of calls on the 7-day view gets hourly or 15-minute buckets, not one 6-hour dot (issue 18)", async ({
  page,
}) => {
  await seedFreshProject();
  await page.goto(`/p/${FRESH}/metrics?range=7d`);
  await expect(page.getByTestId("range-7d")).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("kpi-calls")).toContainText("30");
  // The largest bucket that splits the half hour in two: hourly when it crosses an hour, else 15
  // minutes; 6-hourly already does when the half hour crosses 00/06/12/18 UTC (the chart still draws a line).
  const crossesSixHours = Math.floor((Date.now() - 31 * 60_000) / 21_600_000) !== Math.floor(Date.now() / 21_600_000);
  const grains = crossesSixHours ? "(6 h|1 h|15 min)" : "(1 h|15 min)";
  await expect(page.getByTestId("metrics-window")).toContainText(new RegExp(`· ${grains} buckets$`));
  await chartHasLines(page, "chart-overview-calls");
  await page.goto(`/p/${FRESH}/metrics/prompts/${PROMPT}?range=7d`);
  await expect(page.getByTestId("metrics-window")).toHaveText(new RegExp(`^${grains} buckets, UTC$`));
  await chartHasLines(page, "chart-latency-p95");
});

async function chartHasLines(page: Page, testId: string): Promise<void> {
  const chart = page.getByTestId(testId);
  await expect(chart.locator("svg.recharts-surface").first()).toBeVisible();
  // A line joins at least two points ("L" in its path). Not toBeVisible: a flat line (two buckets
  // with the same count) has a zero-height box, which Playwright calls hidden.
  await expect(chart.locator(".recharts-line-curve").first()).toHaveAttribute("d", /^M[^M]*L/);
}

test("per-prompt charts render with data, filters change them, a label move adds a release marker", async ({ page }) => {
  const console = watchConsole(page);
  await page.goto(`/p/${SLUG}/metrics/prompts/${PROMPT}`);
  for (const id of [
    "chart-accuracy",
    "chart-refusal-rate",
    "chart-error-rate",
    "chart-output-length",
    "chart-latency-p50",
    "chart-latency-p95",
    "chart-latency-p99",
    "chart-cost-per-call",
    "chart-cache-hit-rate",
    "chart-input-tokens",
    "chart-output-tokens",
  ]) {
    await chartHasLines(page, id);
    // Every y tick reads differently (was "0.1%, 0.1%, 0.1%"; issue 18, defect 12).
    const ticks = await page.getByTestId(id).locator(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value").allTextContents();
    expect(ticks.length, id).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks).size, `${id}: ${ticks.join(", ")}`).toBe(ticks.length);
    const times = await page.getByTestId(id).locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value").allTextContents();
    expect(new Set(times).size, `${id}: ${times.join(", ")}`).toBe(times.length);
  }
  // One series per version.
  await expect(page.getByTestId("chart-latency-p95").locator(".recharts-line-curve")).toHaveCount(2);
  // Playground calls (every sixth) are left out by default: 200 of v1's 240, 133 of v2's 160.
  await expect(page.getByTestId("include-playground")).not.toBeChecked();
  await expect(page.getByTestId(`version-row-${name1}`).locator("td").nth(1)).toHaveText(/^200/);
  await expect(page.getByTestId(`version-row-${name2}`).locator("td").nth(1)).toHaveText(/^133/);
  await page.getByTestId("include-playground").click();
  await expect(page.getByTestId("include-playground")).toBeChecked();
  await expect(page).toHaveURL(/\?playground=include$/);
  await expect(page.getByTestId(`version-row-${name1}`).locator("td").nth(1)).toHaveText(/^240/);
  await expect(page.getByTestId(`version-row-${name2}`).locator("td").nth(1)).toHaveText(/^160/);
  await expect(page.getByTestId("release-marker")).toHaveCount(1);

  // Filters: model = haiku keeps only every fourth call; the filter is in the URL.
  await page.getByTestId("filter-model").selectOption("claude-haiku-5-5");
  await expect(page).toHaveURL(/model=claude-haiku-5-5/);
  await expect(page.getByTestId(`version-row-${name1}`).locator("td").nth(1)).toHaveText(/^60/);
  await expect(page.getByTestId(`version-row-${name2}`).locator("td").nth(1)).toHaveText(/^40/);
  // A reload keeps the filters; back steps to the view before the model filter.
  await page.reload();
  await expect(page.getByTestId("filter-model")).toHaveValue("claude-haiku-5-5");
  await expect(page.getByTestId(`version-row-${name1}`).locator("td").nth(1)).toHaveText(/^60/);
  await page.goBack();
  await expect(page.getByTestId("filter-model")).toHaveValue("");
  await expect(page.getByTestId("include-playground")).toBeChecked();
  await expect(page.getByTestId(`version-row-${name1}`).locator("td").nth(1)).toHaveText(/^240/);
  await page.goForward();
  await expect(page.getByTestId("filter-model")).toHaveValue("claude-haiku-5-5");
  await page.getByTestId("filter-model").selectOption("");
  // A source filter decides which calls count: the playground toggle steps aside.
  await page.getByTestId("filter-source").selectOption("playground");
  await expect(page.getByTestId("include-playground")).toBeDisabled();
  await expect(page.getByTestId(`version-row-${name1}`).locator("td").nth(1)).toHaveText(/^40/);
  await page.getByTestId("filter-source").selectOption("");
  await expect(page.getByTestId(`version-row-${name1}`).locator("td").nth(1)).toHaveText(/^240/);
  // A shared link opens the same view in a fresh page.
  await page.getByTestId("range-7d").click();
  await expect(page).toHaveURL(/range=7d/);
  const shared = page.url();
  const other = await page.context().newPage();
  await other.goto(shared);
  await expect(other.getByTestId("range-7d")).toHaveAttribute("aria-pressed", "true");
  await expect(other.getByTestId("include-playground")).toBeChecked();
  await expect(other.getByTestId(`version-row-${name1}`).locator("td").nth(1)).toHaveText(/^240/);
  await other.close();
  await page.getByTestId("range-24h").click();

  // Release: move production to 1.0.1; the marker shows on reload, on every chart.
  await moveLabel(actor, { promptId, label: "production", versionId: v2 });
  await page.reload();
  await expect(page.getByTestId("release-marker")).toHaveCount(2);
  await expect(page.getByTestId("release-list")).toContainText(`production: ${name1} → ${name2}`);
  // Both moves fall in one bucket: one marker reading as a chain, not two overlapping labels.
  await expect(page.getByTestId("chart-error-rate").locator(".recharts-reference-line")).toHaveCount(1);
  await expect(page.getByTestId("chart-error-rate").locator(".recharts-label")).toHaveText(`production → ${name1} → ${name2}`);
  // Label filter: versions production pointed to.
  await page.getByTestId("filter-label").selectOption("production");
  await expect(page.getByTestId(`version-row-${name2}`)).toBeVisible();
  expect(console.errors).toEqual([]);
});

test("mark a call correct in the explorer: the score is stored and feeds accuracy", async ({ page }) => {
  await page.goto(`/p/${SLUG}/calls`);
  await expect(page.getByTestId("call-row")).toHaveCount(50);
  await page.getByTestId("calls-more").click();
  await expect(page.getByTestId("call-row")).toHaveCount(100);
  await page.getByTestId("filter-status").selectOption("error");
  await expect(page.getByTestId("call-row").first()).toContainText("error");
  await page.goto(`/p/${SLUG}/calls/${firstCallId}`);
  await expect(page.getByTestId("call-cost")).toContainText("Cost (logged)");
  const before = await getDb().metricRollup.aggregate({ where: { versionId: v2, grainMinutes: 60 }, _sum: { scored: true } });
  await page.getByTestId("mark-correct").click();
  await expect(page.getByTestId("call-score")).toHaveText("correct");
  const after = await getDb().metricRollup.aggregate({ where: { versionId: v2, grainMinutes: 60 }, _sum: { scored: true } });
  expect(Number(after._sum.scored ?? 0) - Number(before._sum.scored ?? 0)).toBe(1);
});

test("the CSV export refuses a table it does not have, whatever the name holds (CRLF, NUL, quotes)", async ({ page }) => {
  for (const table of ["a\r\nSet-Cookie: x=1", "a\u0000b", 'x"; filename="evil.sh', "nope"]) {
    const res = await page.request.get(`/p/${SLUG}/metrics/data?${new URLSearchParams({ view: "cost", format: "csv", table })}`);
    expect(res.status(), table).toBe(400);
    // CR, LF and NUL are refused at the edge (control characters in the query), the rest by the route.
    const message = /[\r\n\u0000]/.test(table) ? expect.stringMatching(/Control characters/) : "table must be one of prompt, model, day, source";
    expect(await res.json()).toMatchObject({ error: { code: "bad_request", message } });
  }
  const ok = await page.request.get(`/p/${SLUG}/metrics/data?view=cost&format=csv&table=model`);
  expect(ok.status()).toBe(200);
  expect(ok.headers()["content-disposition"]).toBe('attachment; filename="metrics-cost-model.csv"');
});

for (const theme of ["light", "dark"] as const) {
  test(`metrics screenshots (${theme})`, async ({ page }) => {
    await presetTheme(page, theme);
    const console = watchConsole(page);
    await page.goto(`/p/${SLUG}/metrics/prompts/${PROMPT}`);
    await chartHasLines(page, "chart-latency-p95");
    await snap(page, "metrics-prompt", theme);
    await page.goto(`/p/${SLUG}/metrics`);
    await expect(page.getByTestId("overview-by-prompt")).toContainText(PROMPT);
    await chartHasLines(page, "chart-overview-calls");
    await snap(page, "metrics-overview", theme);
    await page.goto(`/p/${SLUG}/metrics/cost`);
    await expect(page.getByTestId("cost-by-model")).toContainText("claude-haiku-5-5");
    await expect(page.getByTestId("chart-cost-by-day").locator(".recharts-bar-rectangle").first()).toBeVisible();
    await snap(page, "metrics-cost", theme);
    await page.goto(`/p/${SLUG}/calls`);
    await expect(page.getByTestId("call-row").first()).toBeVisible();
    await snap(page, "calls", theme);
    await page.goto(`/p/${SLUG}/calls/${firstCallId}`);
    await expect(page.getByTestId("call-detail")).toBeVisible();
    await snap(page, "call-detail", theme);
    expect(console.errors).toEqual([]);
  });
}

test("an unknown prompt's metrics page is a 404, not an empty chart page (issue 18, defect 13)", async ({ page }) => {
  const res = await page.goto(`/p/${SLUG}/metrics/prompts/no-such-prompt-${Date.now()}`);
  expect(res?.status()).toBe(404);
});
