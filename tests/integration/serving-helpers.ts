// Shared setup for the serving API tests: a project with users and API keys, a real node:http
// server around an ApiV1Handler on port 0, and small fetch helpers.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { getDb } from "@/lib/db/client";
import { generateApiKey, type ApiKeyScope } from "@/lib/auth/api-keys";
import type { Actor } from "@/lib/audit/actor";
import { ApiV1Handler, type ApiV1Options } from "@/lib/http/api-v1";
import { createPrompt, moveLabel, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

export interface TestProject {
  projectId: string;
  admin: Actor;
  key(scopes: ApiKeyScope[], extra?: { revokedAt?: Date; expiresAt?: Date }): Promise<{ key: string; id: string }>;
}

export async function makeTestProject(): Promise<TestProject> {
  const db = getDb();
  const suffix = randomUUID().slice(0, 8);
  const user = await db.user.create({ data: { email: `serving-${suffix}@example.test`, name: "Serving" } });
  const project = await db.project.create({ data: { slug: `serving-${suffix}`, name: `Serving ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  return {
    projectId: project.id,
    admin: { kind: "user", userId: user.id, projectId: project.id, role: "ADMIN" },
    async key(scopes, extra = {}) {
      const generated = generateApiKey();
      const row = await db.apiKey.create({
        data: { projectId: project.id, name: `key ${scopes.join(",")}`, prefix: generated.prefix, hash: generated.hash, scopes, ...extra },
      });
      return { key: generated.key, id: row.id };
    },
  };
}

/** Small valid content with one required string variable, one optional number. */
export function simpleContent(systemText = "You are a terse assistant."): PromptVersionContent {
  return {
    system: [{ type: "text", role: "instructions", text: systemText }],
    messages: [{ role: "user", content: [{ type: "text", text: "Question: {{question}} (limit {{limit}})" }] }],
    variables: {
      question: { type: "string", required: true, description: "The question" },
      limit: { type: "number", required: false, default: 3 },
    },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 512 },
    outputSchema: { format: "text" },
    policy: {},
  };
}

/** Creates a prompt, publishes `contents` in order, and points `labels` at the last one. Returns the prompt id. */
export async function publishPrompt(actor: Actor, name: string, contents: PromptVersionContent[], labels: string[] = ["production"]): Promise<string> {
  const [first, ...rest] = contents;
  const prompt = await createPrompt(actor, { name, content: first });
  let last = await publishDraft(actor, { promptId: prompt.id, changelog: "first" });
  for (const [i, content] of rest.entries()) {
    await saveDraft(actor, { promptId: prompt.id, content });
    last = await publishDraft(actor, { promptId: prompt.id, changelog: `change ${i + 2}` });
  }
  for (const label of labels) await moveLabel(actor, { promptId: prompt.id, label, versionId: last.id });
  return prompt.id;
}

export interface RunningServer {
  url: string;
  handler: ApiV1Handler;
  close(): Promise<void>;
}

/** An ApiV1Handler behind a real node:http server on a free port (non-API paths answer 418). */
export async function startApiServer(options: ApiV1Options = { changeFeed: false }): Promise<RunningServer> {
  const handler = new ApiV1Handler({ logError: () => {}, ...options });
  await handler.start();
  const server = http.createServer((req, res) => {
    void Promise.resolve(handler.handle(req, res)).then((handled) => {
      if (!handled) res.writeHead(418).end("not the API");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handler,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.stop();
    },
  };
}

export interface ApiError {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

export function bearer(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${key}`, ...extra };
}

export async function getJson<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

export async function sendJson<T = unknown>(
  method: string,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, { method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The version document the routing tests write through the API: a task prompt on Sonnet whose
 * `task_type` enum (classification / generation / reasoning) and `input` the rules route on.
 */
export function taskRoutedDocument(routing?: unknown, maxTokens = 256): Record<string, unknown> {
  return {
    changelog: "routing",
    publish: true,
    request: {
      model: "claude-sonnet-5-5",
      max_tokens: maxTokens,
      system: [{ type: "text", text: "You handle {{task_type}} tasks.", role: "instructions" }],
      messages: [{ role: "user", content: "{{input}}" }],
    },
    variables: {
      task_type: { type: "enum", required: true, values: ["classification", "generation", "reasoning"] },
      input: { type: "string", required: true },
    },
    ...(routing === undefined ? {} : { routing }),
  };
}
