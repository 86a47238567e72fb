// Shared setup for the eval engine tests: a project with a classifier prompt (production v1.0.0,
// a draft), a JSON judge prompt, a prose "judge", a dataset of reviews, and a loop that advances
// a run step by step against a simulator (batches processed in a fraction of a second).
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { createClaudeTransport, type ClaudeTransport } from "@/lib/claude/client";
import { addItems, createDataset } from "@/lib/datasets/mutations";
import { getDb } from "@/lib/db/client";
import { advanceEvalRun, type EvalStepOptions } from "@/lib/evals/worker";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { saveDraft } from "@/lib/prompts/mutations";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { makeTestProject, publishPrompt, sleep, type TestProject } from "./serving-helpers";

export function classifierContent(labels: string[]): PromptVersionContent {
  return {
    system: [{ type: "text", role: "instructions", text: `Classify the review's sentiment. Answer with one of: ${labels.join(", ")}` }],
    messages: [{ role: "user", content: [{ type: "text", text: "Review: {{review}}" }] }],
    variables: { review: { type: "string", required: true, description: "The review" } },
    modelConfig: { model: "claude-haiku-4-5", max_tokens: 64 },
    outputSchema: { format: "text" },
    policy: {},
  };
}

const JUDGE_SCHEMA = {
  type: "object",
  properties: { score: { type: "number", minimum: 0, maximum: 1 }, reason: { type: "string", minLength: 3 } },
  required: ["score", "reason"],
};

export function judgeContent(json: boolean): PromptVersionContent {
  return {
    system: [
      {
        type: "text",
        role: "instructions",
        text: json
          ? `You grade a sentiment label. Reply with JSON matching this schema: ${JSON.stringify(JUDGE_SCHEMA)}`
          : "You grade a sentiment label. Say in a few friendly words whether it is right.",
      },
    ],
    messages: [{ role: "user", content: [{ type: "text", text: "Input: {{input}}\nLabel given: {{output}}\nExpected: {{expected}}" }] }],
    variables: {
      input: { type: "string", required: true },
      output: { type: "string", required: true },
      expected: { type: "string", required: false, default: "" },
    },
    modelConfig: { model: "claude-haiku-4-5", max_tokens: 256 },
    outputSchema: { format: "text" },
    policy: {},
  };
}

export interface EvalFixture extends TestProject {
  sim: Simulator;
  transport: ClaudeTransport;
  promptId: string;
  datasetName: string;
  /** Step options wired to the fixture's simulator (fast polls). */
  step: EvalStepOptions;
  close(): Promise<void>;
}

/**
 * A fresh project: prompt "sentiment" (1.0.0 on production: positive/negative; draft adds
 * neutral), judges "judge-json" and "judge-prose", dataset "reviews" with `reviews` (text ->
 * expected label).
 */
export async function makeEvalFixture(
  reviews: Array<{ review: string; expected: string | null }>,
  options: { batchMs?: number; speed?: number } = {},
): Promise<EvalFixture> {
  const project = await makeTestProject();
  const sim = await startSimulator({ port: 0, speed: options.speed ?? Infinity, batchProcessingMs: options.batchMs ?? 150 });
  const transport = createClaudeTransport({ baseURL: sim.url });
  const promptId = await publishPrompt(project.admin, "sentiment", [classifierContent(["positive", "negative"])]);
  await saveDraft(project.admin, { promptId, content: classifierContent(["positive", "negative", "neutral"]) });
  await publishPrompt(project.admin, "judge-json", [judgeContent(true)]);
  await publishPrompt(project.admin, "judge-prose", [judgeContent(false)]);
  const dataset = await createDataset(project.projectId, { name: "reviews", description: "" }, project.admin);
  if (reviews.length > 0) {
    await addItems(
      dataset.id,
      reviews.map((r, i) => ({ key: `r${i}`, variables: { review: r.review }, expected: r.expected })),
      project.admin,
    );
  }
  const step: EvalStepOptions = {
    pollSeconds: 0.05,
    stepBudgetMs: 5_000,
    deps: { batch: { transport }, runAndLog: { runDeps: { transport } } },
  };
  return {
    ...project,
    sim,
    transport,
    promptId,
    datasetName: "reviews",
    step,
    async close() {
      await sim.close();
    },
  };
}

/** Advances a run until it ends (each wait shortened to its poll interval). Returns the number of steps. */
export async function runToEnd(runId: string, step: EvalStepOptions, maxSteps = 500): Promise<number> {
  for (let i = 1; i <= maxSteps; i++) {
    const next = await advanceEvalRun(runId, step);
    if (next === null) {
      await getCallLogWriter().flush({ timeoutMs: 10_000 });
      return i;
    }
    if (next > 0) await sleep(next * 1000);
  }
  throw new Error(`run ${runId} did not end within ${maxSteps} steps`);
}

export async function resultsOf(runId: string) {
  return getDb().evalResult.findMany({
    where: { runId },
    include: { item: { select: { key: true } }, runVersion: { select: { display: true, position: true } } },
    orderBy: [{ runVersion: { position: "asc" } }, { item: { ordinal: "asc" } }],
  });
}
