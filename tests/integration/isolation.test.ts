// Isolation between projects and roles, enumerated from the code so that new doors are covered
// the day they are added: every server action (every export of every app/**/actions.ts), every
// dashboard route handler (app/**/p/[project]/**/route.ts), every dashboard page and layout, and
// every public API route (the route table). A member of project A reaches nothing of project B
// (404, B's name never in the answer, the database unchanged), and a viewer changes nothing
// anywhere (every mutation refused, the database byte for byte the same).
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { generateApiKey, API_KEY_SCOPES } from "@/lib/auth/api-keys";
import type { Actor } from "@/lib/audit/actor";
import { getDb } from "@/lib/db/client";
import { createDataset } from "@/lib/datasets/mutations";
import { apiRoutes } from "@/lib/http/routes";
import type { ActionResult } from "@/lib/http/action-result";
import { bearer, publishPrompt, simpleContent, startApiServer, type RunningServer } from "./serving-helpers";
import { fakeServerSession, sessionIdFor } from "./session-helpers";

// The session: next-auth's JWT is out of reach here, so getServerSession answers for `signedInAs` (with a live session row).
let signedInAs: string | null = null;
vi.mock("next-auth", async (original) => ({
  ...(await original<typeof import("next-auth")>()),
  getServerSession: () => fakeServerSession(signedInAs),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));

const ROOT = path.resolve(__dirname, "../..");

function findFiles(dir: string, name: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findFiles(full, name));
    else if (name.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/**
 * Actions that no project scopes, with why they are no way into another project or a write a
 * viewer should not make. Any other action must be project-scoped (checked below).
 */
const NOT_PROJECT_SCOPED: Record<string, string> = {
  "app/setup/actions.ts#setupAction": "first-run setup: refused (conflict) once any user exists",
  "app/projects/new/actions.ts#createProjectAction": "creates a new project owned by the caller; touches no existing one",
  "app/account/actions.ts#changeNameAction": "the caller's own account",
  "app/account/actions.ts#changePasswordAction": "the caller's own account (current password required)",
  "app/invite/[token]/actions.ts#acceptInvitationAction": "joins the project the invitation token names (the token is the credential)",
  "app/invite/[token]/actions.ts#createAccountFromInvitationAction": "creates an account from an invitation token (the token is the credential)",
};

/** Project-scoped actions a VIEWER may call that touch only the viewer's own membership. */
const VIEWER_SELF: Record<string, string> = {
  "app/(dashboard)/p/[project]/members/actions.ts#leaveProjectAction": "leaves the project (the viewer's own membership; needs confirm: true)",
};

/** Project-scoped actions a VIEWER may call: reads that change nothing (the database check below holds them to it). */
const VIEWER_READS: Record<string, string> = {
  "app/(dashboard)/p/[project]/datasets/actions.ts#checkContractAction": "checks a dataset against a prompt's contract; reads only",
  "app/(dashboard)/p/[project]/prompts/[name]/edit/actions.ts#routingWhatIfAction": "prices candidate routing rules against logged calls; reads only",
};

const suffix = randomUUID().slice(0, 8);
let client: pg.Client;
const ids = {
  memberA: "",
  viewerA: "",
  projectA: { id: "", slug: `iso-a-${suffix}` },
  projectB: { id: "", slug: `iso-b-${suffix}`, name: `Zebra Secret ${suffix}` },
  promptB: `secret-b-${suffix}`,
  promptA: `public-a-${suffix}`,
  datasetB: `dataset-b-${suffix}`,
  evalRunB: "",
  experimentB: "",
  callB: "",
};

/** A checksum of every row of every table: equal before and after = nothing changed. */
async function databaseChecksum(exclude: readonly string[] = []): Promise<Record<string, string>> {
  const tables = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name`,
  );
  const sums: Record<string, string> = {};
  for (const { table_name } of tables.rows) {
    if (exclude.includes(table_name)) continue;
    const { rows } = await client.query<{ sum: string | null }>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM "${table_name}" t`);
    sums[table_name] = rows[0]?.sum ?? "empty";
  }
  return sums;
}

interface ActionEntry {
  key: string;
  fn: (...args: unknown[]) => Promise<ActionResult<unknown>>;
  form: boolean;
}

async function loadActions(): Promise<ActionEntry[]> {
  const entries: ActionEntry[] = [];
  for (const file of findFiles(path.join(ROOT, "app"), /^actions\.ts$/)) {
    const rel = path.relative(ROOT, file);
    const mod = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== "function") continue;
      // defineFormAction's actions take (previous, formData); defineAction's take (input).
      entries.push({ key: `${rel}#${name}`, fn: value as ActionEntry["fn"], form: value.length === 2 });
    }
  }
  return entries;
}

function call(entry: ActionEntry, input: Record<string, unknown>): Promise<ActionResult<unknown>> {
  if (!entry.form) return entry.fn(input);
  const fd = new FormData();
  for (const [k, v] of Object.entries(input)) fd.set(k, String(v));
  return entry.fn(null, fd);
}

beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const db = getDb();
  const memberA = await db.user.create({ data: { email: `iso-member-${suffix}@example.test`, name: "Member A" } });
  const viewerA = await db.user.create({ data: { email: `iso-viewer-${suffix}@example.test`, name: "Viewer A" } });
  const ownerB = await db.user.create({ data: { email: `iso-owner-${suffix}@example.test`, name: "Owner B" } });
  const a = await db.project.create({ data: { slug: ids.projectA.slug, name: `Iso A ${suffix}` } });
  const b = await db.project.create({ data: { slug: ids.projectB.slug, name: ids.projectB.name } });
  await db.membership.createMany({
    data: [
      { userId: memberA.id, projectId: a.id, role: "ADMIN" },
      { userId: viewerA.id, projectId: a.id, role: "VIEWER" },
      { userId: ownerB.id, projectId: b.id, role: "ADMIN" },
    ],
  });
  ids.memberA = memberA.id;
  ids.viewerA = viewerA.id;
  // Their session rows exist before any checksum is taken (a sign-in opens one).
  await sessionIdFor(memberA.id);
  await sessionIdFor(viewerA.id);
  ids.projectA.id = a.id;
  ids.projectB.id = b.id;
  const adminA: Actor = { kind: "user", userId: memberA.id, projectId: a.id, role: "ADMIN" };
  const adminB: Actor = { kind: "user", userId: ownerB.id, projectId: b.id, role: "ADMIN" };
  await publishPrompt(adminA, ids.promptA, [simpleContent("A's prompt")]);
  const promptB = await publishPrompt(adminB, ids.promptB, [simpleContent("B's secret system prompt"), simpleContent("B's second version")], ["production"]);
  const dataset = await createDataset(b.id, { name: ids.datasetB, description: "" }, adminB);
  const versions = await db.promptVersion.findMany({ where: { promptId: promptB }, orderBy: { major: "asc" } });
  const experiment = await db.experiment.create({
    data: {
      promptId: promptB,
      labelName: "production",
      name: "B's experiment",
      primaryMetric: "accuracy",
      variants: { create: versions.map((v, i) => ({ key: i === 0 ? "A" : "B", versionId: v.id, weight: 50 })) },
    },
  });
  const run = await db.evalRun.create({ data: { projectId: b.id, promptId: promptB, datasetId: dataset.id, datasetVersion: 0, evaluators: [] } });
  const callRow = await db.callLog.create({
    data: { projectId: b.id, promptId: promptB, source: "api", model: "claude-sonnet-5-5", requestedModel: "claude-sonnet-5-5", status: "ok" },
  });
  ids.experimentB = experiment.id;
  ids.evalRunB = run.id;
  ids.callB = callRow.id;
});

afterAll(async () => {
  signedInAs = null;
  await client.end();
});

/** Every identifier of B an input might carry, under every field name the actions use. */
function bFields(): Record<string, unknown> {
  return {
    name: ids.promptB,
    prompt: ids.promptB,
    promptId: ids.promptB,
    datasetId: ids.datasetB,
    experimentId: ids.experimentB,
    runId: ids.evalRunB,
    callId: ids.callB,
    id: ids.evalRunB,
  };
}

describe("server actions", () => {
  it("are all either project-scoped or on the short list of actions no project scopes", async () => {
    const actions = await loadActions();
    expect(actions.length).toBeGreaterThan(20);
    for (const key of Object.keys(NOT_PROJECT_SCOPED)) expect(actions.map((a) => a.key)).toContain(key);
    for (const key of Object.keys(VIEWER_READS)) expect(actions.map((a) => a.key)).toContain(key);
    for (const key of Object.keys(VIEWER_SELF)) expect(actions.map((a) => a.key)).toContain(key);
  });

  it("a member of A reaches nothing of B (by slug or id): not_found without B's name, and nothing changes", async () => {
    signedInAs = ids.memberA;
    const before = await databaseChecksum();
    for (const entry of await loadActions()) {
      if (NOT_PROJECT_SCOPED[entry.key]) continue;
      for (const project of [ids.projectB.slug, ids.projectB.id]) {
        const result = await call(entry, { project, ...bFields() });
        expect(result, entry.key).toEqual({ ok: false, code: "not_found", message: "Project not found" });
      }
    }
    expect(await databaseChecksum()).toEqual(before);
  });

  it("a viewer changes nothing: every mutation is forbidden in the viewer's own project, and the database is unchanged", async () => {
    signedInAs = ids.viewerA;
    const before = await databaseChecksum();
    for (const entry of await loadActions()) {
      if (NOT_PROJECT_SCOPED[entry.key]) continue;
      const result = await call(entry, { project: ids.projectA.slug, name: ids.promptA, prompt: ids.promptA });
      if (VIEWER_READS[entry.key] || VIEWER_SELF[entry.key]) {
        expect(result.ok ? "ok" : result.code, entry.key).not.toBe("forbidden");
        continue;
      }
      expect(result.ok ? "ok" : result.code, entry.key).toBe("forbidden");
    }
    expect(await databaseChecksum()).toEqual(before);
  });

  it("a viewer in A gets the same not_found as a stranger in B", async () => {
    signedInAs = ids.viewerA;
    for (const entry of await loadActions()) {
      if (NOT_PROJECT_SCOPED[entry.key]) continue;
      const result = await call(entry, { project: ids.projectB.slug });
      expect(result, entry.key).toEqual({ ok: false, code: "not_found", message: "Project not found" });
    }
  });
});

type RouteHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function loadRouteHandlers(): Promise<Array<{ key: string; method: string; handler: RouteHandler }>> {
  const out: Array<{ key: string; method: string; handler: RouteHandler }> = [];
  for (const file of findFiles(path.join(ROOT, "app", "(dashboard)", "p"), /^route\.ts$/)) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
      const handler = mod[method];
      if (typeof handler === "function") out.push({ key: `${method} ${path.relative(ROOT, file)}`, method, handler: handler as RouteHandler });
    }
  }
  return out;
}

async function callRoute(entry: { method: string; handler: RouteHandler }, project: string): Promise<{ status: number; text: string }> {
  const { NextRequest } = await import("next/server");
  // Query parameters some handlers need before they reach the role check (the upload's phase): the strongest variant.
  const url = `http://localhost/p/${project}/x?phase=import&format=csv`;
  const init = entry.method === "GET" ? { method: "GET" } : { method: entry.method, body: "{}", headers: { "content-type": "application/json" } };
  const request = new NextRequest(url, init);
  const params = Promise.resolve({ project, name: ids.promptB, id: ids.evalRunB });
  const response = await entry.handler(request, { params });
  return { status: response.status, text: await response.text() };
}

describe("dashboard route handlers", () => {
  it("answer 404 to a member of A for B's project, without B's name, and change nothing", async () => {
    signedInAs = ids.memberA;
    const routes = await loadRouteHandlers();
    expect(routes.length).toBeGreaterThan(5);
    const before = await databaseChecksum();
    for (const entry of routes) {
      const { status, text } = await callRoute(entry, ids.projectB.slug);
      expect(status, entry.key).toBe(404);
      expect(text, entry.key).not.toContain(ids.projectB.name);
    }
    expect(await databaseChecksum()).toEqual(before);
  });

  it("refuse every non-GET handler to a viewer (403) and change nothing", async () => {
    signedInAs = ids.viewerA;
    const before = await databaseChecksum();
    for (const entry of (await loadRouteHandlers()).filter((r) => r.method !== "GET")) {
      const { status } = await callRoute(entry, ids.projectA.slug);
      expect(status, entry.key).toBe(403);
    }
    expect(await databaseChecksum()).toEqual(before);
  });
});

describe("dashboard pages", () => {
  it("render the 404 page for B's project to a member of A (every page and layout under /p/[project])", async () => {
    signedInAs = ids.memberA;
    const files = findFiles(path.join(ROOT, "app", "(dashboard)", "p"), /^(page|layout)\.tsx$/);
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      const mod = (await import(file)) as { default: (props: unknown) => unknown };
      const props = {
        params: Promise.resolve({ project: ids.projectB.slug, name: ids.promptB, id: ids.evalRunB }),
        searchParams: Promise.resolve({}),
        children: null,
      };
      const rendered = mod.default(props);
      // A synchronous component reads nothing (no await, so no database): a wrapper such as
      // prompts/[name]/layout.tsx, rendered only inside the project layout that answers 404.
      if (!(rendered instanceof Promise)) continue;
      const outcome = await rendered.then(
        () => "rendered",
        (error: unknown) => (error && typeof error === "object" && "digest" in error ? String((error as { digest: unknown }).digest) : String(error)),
      );
      const rel = path.relative(ROOT, file);
      // /p/:project itself only redirects to /p/:project/prompts (checked above as a page of its own).
      if (rel === path.join("app", "(dashboard)", "p", "[project]", "page.tsx"))
        expect(outcome, rel).toBe(`NEXT_REDIRECT;replace;/p/${ids.projectB.slug}/prompts;307;`);
      else expect(outcome, rel).toMatch(/NEXT_HTTP_ERROR_FALLBACK;404/);
    }
  });
});

describe("public API with A's key", () => {
  let server: RunningServer;
  let keyA = "";

  beforeAll(async () => {
    server = await startApiServer();
    const generated = generateApiKey();
    await getDb().apiKey.create({
      data: { projectId: ids.projectA.id, name: "iso all scopes", prefix: generated.prefix, hash: generated.hash, scopes: [...API_KEY_SCOPES] },
    });
    keyA = generated.key;
  });

  afterAll(async () => {
    await server.close();
  });

  it("reaches none of B's prompts, datasets, experiments, eval runs or calls on any route, and changes nothing", async () => {
    // Using a key stamps its last use and takes rate-limit tokens: the only rows a refused request may touch.
    const bookkeeping = ["ApiKey", "ApiKeyRateBucket"];
    const before = await databaseChecksum(bookkeeping);
    const fill: Record<string, string> = { "name+": ids.promptB, name: ids.datasetB, id: ids.experimentB, label: "production" };
    const idFor = (p: string) => (p.includes("eval-runs") ? ids.evalRunB : p.includes("calls") ? ids.callB : ids.experimentB);
    let checked = 0;
    for (const r of apiRoutes.flatMap((route) =>
      (Array.isArray(route.method) ? route.method : [route.method]).map((method: string) => ({ path: route.path, method })),
    )) {
      if (!/\{/.test(r.path) || r.method === "HEAD") continue;
      const url = r.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
        encodeURIComponent(name === "id" ? idFor(r.path) : (fill[name] ?? "x")).replace(/%2F/g, "/"),
      );
      const response = await fetch(`${server.url}${url}`, {
        method: r.method,
        headers: bearer(keyA, r.method === "GET" ? {} : { "Content-Type": "application/json" }),
        ...(r.method === "GET" ? {} : { body: "{}" }),
      });
      const text = await response.text();
      const where = `${r.method} ${r.path}`;
      expect(response.status, `${where}: ${text}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${where}: ${text}`).not.toBe(500);
      expect(text, where).not.toContain("B's secret");
      expect(text, where).not.toContain(ids.projectB.name);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(15);
    // Lists show A's things only.
    const list = await fetch(`${server.url}/api/v1/prompts`, { headers: bearer(keyA) });
    const listText = await list.text();
    expect(list.status).toBe(200);
    expect(listText).toContain(ids.promptA);
    expect(listText).not.toContain(ids.promptB);
    expect(await databaseChecksum(bookkeeping)).toEqual(before);
  });
});
