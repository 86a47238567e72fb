import { expect, type APIRequestContext } from "@playwright/test";

// Experiment specs set up their own prompts and experiments through the public API with the demo
// key, so other specs moving demo labels cannot interfere.

export const DEMO_API_AUTH = { Authorization: "Bearer pd_demo_0000000000000000000000000000" };

/** A published version answering `{{question}}` under one system text. */
export function questionPromptDoc(system: string, maxTokens = 256) {
  return {
    publish: true,
    changelog: system,
    request: {
      model: "claude-sonnet-5-5",
      max_tokens: maxTokens,
      system: [{ type: "text", text: system }],
      messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
    },
    variables: { question: { type: "string", required: true, description: "The customer's question" } },
  };
}

/** Publishes one version per text (1.0.0, 1.1.0, ...) and points production at 1.0.0. */
export async function makeQuestionPrompt(request: APIRequestContext, name: string, texts: readonly string[], maxTokens?: number): Promise<void> {
  for (const text of texts) {
    const res = await request.post(`/api/v1/prompts/${encodeURIComponent(name)}/versions`, {
      headers: DEMO_API_AUTH,
      data: questionPromptDoc(text, maxTokens),
    });
    expect(res.status(), await res.text()).toBe(201);
  }
  const label = await request.put(`/api/v1/prompts/${encodeURIComponent(name)}/labels/production`, { headers: DEMO_API_AUTH, data: { version: "1.0.0" } });
  expect(label.status(), await label.text()).toBe(200);
}

/** Creates an experiment (latency as primary metric, 1.0.0 vs 1.1.0 at 50/50 unless given) and returns its body. */
export async function createExperimentByApi<T extends { id: string } = { id: string }>(
  request: APIRequestContext,
  data: { prompt: string; name: string; label?: string; variants?: Array<{ version: string; weight: number }> },
): Promise<T> {
  const created = await request.post("/api/v1/experiments", {
    headers: DEMO_API_AUTH,
    data: {
      primaryMetric: "latency",
      variants: [
        { version: "1.0.0", weight: 50 },
        { version: "1.1.0", weight: 50 },
      ],
      ...data,
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  return (await created.json()) as T;
}
