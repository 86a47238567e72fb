// Hostile input against the real server (server.ts: the lean API handler, then Next): every API
// route of the table (lib/http/routes apiRoutes) and every dashboard page and route handler
// (found by walking app/ for page.tsx and route.ts), signed in as the demo admin, gets thousands
// of hostile requests: NUL in path, query, body and headers, deep nesting, huge numbers, int4+1
// version components, lone surrogates (JSON escapes and %ED%A0%80), odd Unicode (RTL, zero-width,
// combining), overlong strings, wrong types, `..` and `//` segments, bad percent-encoding. No
// answer may be a 5xx, and every request must get an answer (issue 17, "Done when").
//
// Requests go over raw sockets (one connection each, `Connection: close`), so nothing on the
// client side cleans or refuses a byte, six at a time. It signs in as its own user, admin of its
// own project (a prompt, a dataset and a call created here), so it changes no demo data.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { API_KEY_SCOPES, generateApiKey } from "@/lib/auth/api-keys";
import { getDb } from "@/lib/db/client";
import { methodsOf } from "@/lib/http/route";
import { apiRoutes } from "@/lib/http/routes";
import { hashPassword } from "@/lib/users/password";
import { signIn } from "./fixtures";

test.describe.configure({ mode: "serial" });

const POOL = 6;
const MIN_REQUESTS = 5_000;
const KEYS = 40; // rotated, so the per-key rate limit (100/s) is not what answers
/** Query probes per page or route handler (Next renders most of them: the slow part). */
const PAGE_QUERIES = 10;

// ----------------------------------------------------------------------------- hostile values

const long = (n: number) => "x".repeat(n);
const deepArray = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;

/** Whole path segments, as sent (already percent-encoded where needed). */
const SEGMENTS = [
  "%00",
  "a%00b",
  "%E0%A4%A",
  "%ZZ",
  "%",
  "%25",
  "%%30%30",
  "%ED%A0%80",
  "%ED%BF%BF",
  "%C0%AE%C0%AE",
  "%C0%AF",
  "%FF%FE",
  "%E2%80%AEevil",
  "%E2%80%8B%E2%80%8B",
  "e%CC%81%CC%81%CC%81",
  "%EF%BB%BFbom",
  "%F0%9F%98%80",
  long(3_000),
  "..",
  "%2E%2E",
  "a%2F..%2Fa",
  "a%2F%2Fb",
  "a%2F",
  ".%2Fa",
  "a%2F.%2Fb",
  "99999999999",
  "2147483648",
  "-1",
  "1e400",
  "a%0D%0Ab",
  "%3Cscript%3E",
  "null",
];

/** Query values (percent-encoded). */
const VALUES = [
  "%00",
  "a%00b",
  "%ED%A0%80",
  "%E0%A4%A",
  "%FF",
  "99999999999.0.0",
  "2147483648.0.0",
  "1.2147483648.0",
  "1.0.2147483648",
  "2147483648",
  "99999999999999999999999",
  "1e400",
  "-1e400",
  "NaN",
  "-0",
  long(5_000),
  "%E2%80%AE%E2%80%AE",
  "%E2%80%8B",
  "e%CC%81",
  "..%2F..%2Fetc",
  "a%2F..%2Fa",
  "%5B%5D",
  "true",
  "%0D%0ASet-Cookie:%20x=1",
  "0x10",
];

/** Query parameter names the pages and routes read (and a few they do not). */
const QUERY_KEYS = [
  "prompt",
  "version",
  "versionId",
  "label",
  "from",
  "to",
  "page",
  "limit",
  "q",
  "tag",
  "sort",
  "filter",
  "run",
  "table",
  "format",
  "view",
  "cursor",
  "model",
  "source",
  "status",
  "scored",
  "versions",
  "baseline",
  "dataset",
  "published",
  "project",
  "callbackUrl",
  "error",
  "search",
  "phase",
  "mode",
  "mapping",
  "promptVersion",
  "range",
  "experiment",
  "name",
];

/** Whole query strings that are hostile in their shape. */
const QUERY_SHAPES = ["%00=1", "a=1&a=2&a=3", "version", "version[]=1", "=%00", "&&&", "%ZZ=%ZZ", `${long(9_000)}=1`];

/** JSON bodies for any route (most fail the schema; all must be refused cleanly). */
const BODIES = [
  "{nope",
  "null",
  "[]",
  '"text"',
  "true",
  "1e400",
  deepArray(10_000),
  deepObject(63),
  '{"a":"\\u0000"}',
  '{"\\u0000":1}',
  '{"a":"\\ud800"}',
  '{"\\udfff":1}',
  '{"a":1e400,"b":-1e400}',
  `{"a":${"9".repeat(400)}}`,
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
  `{"a":"${long(300_000)}"}`,
  '{"a":"\\u202e\\u200b e\\u0301"}',
];

/** Raw header lines (sent as bytes; some are malformed on purpose). */
const HEADERS = [
  "X-Request-Id: a\u0000b",
  "X-Request-Id: \u202e\u200b",
  `X-Request-Id: ${long(10_000)}`,
  "Authorization: Bearer pd_\u0000",
  "Authorization: Bearer \u00ff\u00fe",
  "Authorization: Basic %%%",
  "Authorization: Basic " + Buffer.from("pk:\u0000").toString("base64"),
  "Cookie: next-auth.session-token=%00; __Secure-next-auth.session-token=%ED%A0%80",
  "Accept: \u00ff",
  "Accept-Language: \u0000",
  "If-None-Match: " + long(8_000),
  "Content-Type: application/json; charset=\u0000",
  "X-Forwarded-Host: evil.example\u0000",
  "Range: bytes=99999999999999999999-",
];

// ----------------------------------------------------------------------------- transport

interface Probe {
  method: string;
  target: string;
  headers?: string[];
  body?: string | Buffer;
  /** Send the session cookie (dashboard) or an API key (API). */
  auth: "session" | "key" | "none";
}

interface Answer {
  status: number;
  head: string;
}

let baseHost = "";
let basePort = 0;
let cookie = "";
let keys: string[] = [];
let keyTurn = 0;

/** One request over its own connection; resolves with the status (0 when no answer came). */
function send(probe: Probe): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.connect(basePort, baseHost);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const head = text.split("\r\n\r\n")[0] ?? "";
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      socket.destroy();
      resolve({ status, head: head.slice(0, 300) });
    };
    const timer = setTimeout(finish, 45_000);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", finish);
    socket.on("connect", () => {
      const body = probe.body === undefined ? undefined : Buffer.isBuffer(probe.body) ? probe.body : Buffer.from(probe.body, "utf8");
      const lines = [`${probe.method} ${probe.target} HTTP/1.1`, `Host: ${baseHost}:${basePort}`, "Connection: close"];
      if (probe.auth === "session") lines.push(`Cookie: ${cookie}`);
      if (probe.auth === "key") lines.push(`Authorization: Bearer ${keys[keyTurn++ % keys.length]!}`);
      if (body !== undefined) {
        if (!probe.headers?.some((h) => /^content-type:/i.test(h))) lines.push("Content-Type: application/json");
        lines.push(`Content-Length: ${body.length}`);
      }
      lines.push(...(probe.headers ?? []));
      socket.write(Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"));
      if (body !== undefined) socket.write(body);
    });
  });
}

/** Runs every probe, POOL at a time; returns the ones answered 5xx or not at all. */
async function runAll(probes: Probe[]): Promise<{ probe: Probe; answer: Answer }[]> {
  const bad: { probe: Probe; answer: Answer }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < probes.length) {
      const probe = probes[next++]!;
      const answer = await send(probe);
      if (answer.status === 0 || answer.status >= 500) bad.push({ probe, answer });
    }
  };
  await Promise.all(Array.from({ length: POOL }, worker));
  return bad;
}

// ----------------------------------------------------------------------------- targets

interface Target {
  method: string;
  /** Path with `{slot}` placeholders. */
  template: string;
  /** A harmless value for each slot. */
  fill: Record<string, string>;
  auth: "session" | "key";
  hasBody: boolean;
  /** A body that passes the route's schema, mutated field by field. */
  base?: Record<string, unknown>;
}

const concrete = (template: string, fill: Record<string, string>, slot?: string, value?: string) =>
  template.replace(/\{(\w+)\+?\}/g, (_m, name: string) => (name === slot ? value! : (fill[name] ?? "x")));

/** Every page.tsx and route.ts under app/, as URL templates with their methods. */
function dashboardTargets(ids: Record<string, string>): Target[] {
  const root = path.resolve(import.meta.dirname, "../../app");
  const out: Target[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "page.tsx" || entry.name === "route.ts") {
        const segments = path
          .relative(root, dir)
          .split(path.sep)
          .filter((s) => s && !/^\(.*\)$/.test(s));
        const fill: Record<string, string> = {};
        const parts = segments.map((s, i) => {
          const m = /^\[(?:\.\.\.)?(\w+)\]$/.exec(s);
          if (!m) return s;
          const slot = `${m[1]}${i}`;
          const parent = segments[i - 1] ?? "";
          fill[slot] =
            m[1] === "project"
              ? ids.project!
              : m[1] === "nextauth"
                ? "session"
                : m[1] === "name"
                  ? parent === "datasets"
                    ? ids.dataset!
                    : ids.prompt!
                  : (ids[parent] ?? "x");
          return `{${slot}}`;
        });
        const template = `/${parts.join("/")}`;
        const methods =
          entry.name === "page.tsx"
            ? ["GET"]
            : [...new Set([...readFileSync(full, "utf8").matchAll(/\b(GET|POST|PUT|PATCH|DELETE)\b(?=\s*[,(}])/g)].map((m) => m[1]!))];
        for (const method of methods) out.push({ method, template, fill, auth: "session", hasBody: method !== "GET" });
      }
    }
  };
  walk(root);
  return out;
}

function apiTargets(ids: Record<string, string>): Target[] {
  const bases: Record<string, Record<string, unknown>> = {
    renderPrompt: { variables: { question: "hi" } },
    runPrompt: { variables: { question: "hi" }, metadata: { from: "fuzz" } },
    ingestCalls: { calls: [{ model: "claude-sonnet-5-5", prompt: ids.prompt, version: "1.0.0", metadata: { k: "v" }, request: { a: 1 }, response: { b: 2 } }] },
    scoreCall: { score: 0.5 },
    createVersion: {
      request: { model: "claude-sonnet-5-5", max_tokens: 64, messages: [{ role: "user", content: [{ type: "text", text: "{{q}}" }] }] },
      variables: { q: { type: "string", required: true } },
      version: "9.0.0",
    },
    moveLabel: { version: "1.0.0" },
    createDataset: { name: `fuzz-${randomUUID().slice(0, 6)}` },
    addDatasetItems: { items: [{ variables: { q: "a" }, expected: { a: 1 } }] },
    createEvalRun: { prompt: ids.prompt, versions: ["production"], dataset: ids.dataset, evaluators: [{ type: "exact_match" }] },
    setExperimentWeights: { weights: { A: 50, B: 50 } },
    promoteExperiment: { variant: "A" },
    createExperiment: {
      prompt: ids.prompt,
      name: "fuzz",
      variants: [
        { version: "1.0.0", weight: 50 },
        { version: "1.0.0", weight: 50 },
      ],
    },
  };
  return apiRoutes.flatMap((route) =>
    methodsOf(route)
      .filter((m) => m !== "HEAD")
      .map((method) => {
        const fill: Record<string, string> = {};
        for (const [, slot] of route.path.matchAll(/\{(\w+)\+?\}/g)) {
          fill[slot!] =
            slot === "name"
              ? route.path.includes("datasets")
                ? ids.dataset!
                : encodeURIComponent(ids.prompt!)
              : slot === "label"
                ? "staging"
                : (ids.apiId ?? "x");
        }
        return {
          method,
          template: route.path,
          fill,
          auth: "key" as const,
          hasBody: Boolean(route.body),
          ...(bases[route.operationId] ? { base: bases[route.operationId] } : {}),
        };
      }),
  );
}

/** Hostile values put into one field of a valid body (JSON text). */
const FIELD_VALUES = [
  '"\\u0000"',
  '"a\\ud800b"',
  '"\\udc00"',
  "1e400",
  "123456789012345678901234567890",
  '"99999999999.0.0"',
  '"2147483648.0.0"',
  '"1.2147483648.0"',
  `"${long(70_000)}"`,
  '"\\u202e\\u200b\\u0301"',
  '"a/../a"',
  '"a//b"',
  '"a/"',
  '"./a"',
  deepObject(60),
  '{"\\ud800":1}',
  '{"a\\u0000":1}',
  "[]",
  "{}",
  "null",
  "true",
  "-1",
  "2147483648",
];

/** The bodies for one target: generic hostile bodies, and its valid body with each field (one level deep) replaced. */
function bodiesFor(target: Target): string[] {
  const out = [...BODIES];
  const base = target.base;
  if (!base) return out;
  out.push(JSON.stringify(base));
  const fields: { set: (v: string) => string }[] = [];
  for (const key of Object.keys(base)) {
    fields.push({ set: (v) => JSON.stringify({ ...base, [key]: "@@" }).replace('"@@"', v) });
    const inner = base[key];
    const first = Array.isArray(inner) ? inner[0] : inner;
    if (first && typeof first === "object" && !Array.isArray(first)) {
      for (const k of Object.keys(first)) {
        const replaced = { ...first, [k]: "@@" };
        fields.push({ set: (v) => JSON.stringify({ ...base, [key]: Array.isArray(inner) ? [replaced] : replaced }).replace('"@@"', v) });
      }
    }
    fields.push({ set: (v) => JSON.stringify({ ...base, ["@k"]: 1 }).replace('"@k"', v.startsWith('"') ? v : `"${v}"`) });
  }
  // Half of the values per field (alternating), so every value still meets every body.
  fields.forEach((field, f) => {
    for (const v of share(FIELD_VALUES, 2, f)) out.push(field.set(v));
  });
  return out;
}

/**
 * What one target gets: `query` query-string probes, and of the hostile segments and headers every
 * `stride`-th (offset by the target's `index`, so across targets every value is still sent).
 */
interface Budget {
  query: number;
  stride: number;
  index: number;
}

/** Every `stride`-th item of `list`, starting at `offset`. */
const share = <T>(list: readonly T[], stride: number, offset: number): T[] => list.filter((_, i) => (i + offset) % stride === 0);

function probesFor(target: Target, budget: Budget): Probe[] {
  const out: Probe[] = [];
  const { method, template, fill, auth } = target;
  const body = target.hasBody ? (target.base ? JSON.stringify(target.base) : "{}") : undefined;
  const base = { method, auth, ...(body !== undefined ? { body } : {}) };
  // Path: each slot, each hostile segment; raw `..`, `//` and `./` segments too.
  for (const slot of Object.keys(fill)) {
    for (const seg of share(SEGMENTS, budget.stride, budget.index)) out.push({ ...base, target: concrete(template, fill, slot, seg) });
    for (const raw of ["a/../a", "a//b", "./a", "a/./b", "..", "a/..", `${fill[slot]}/..`]) out.push({ ...base, target: concrete(template, fill, slot, raw) });
  }
  const plain = concrete(template, fill);
  // Query: hostile shapes, and every value under a sample of names (rotated per target).
  for (const shape of QUERY_SHAPES) out.push({ ...base, target: `${plain}?${shape}` });
  let n = 0;
  for (let k = 0; k < QUERY_KEYS.length && n < budget.query; k++) {
    for (const v of VALUES) {
      if (n++ >= budget.query) break;
      out.push({ ...base, target: `${plain}?${QUERY_KEYS[(k + out.length) % QUERY_KEYS.length]}=${v}` });
    }
  }
  // Headers.
  for (const header of share(HEADERS, budget.stride, budget.index)) out.push({ ...base, target: plain, headers: [header] });
  out.push({ ...base, target: `${plain}?a=%00`, headers: ["X-Odd: \u0000\u0001\u007f"] });
  // Server actions: a page answers POSTs that name an action (unknown ids, odd bodies).
  if (auth === "session" && method === "GET") {
    for (const [id, type, b] of [
      ["7f0000000000000000000000000000000000000000", "text/plain;charset=UTF-8", "[]"],
      ["7f0000000000000000000000000000000000000000", "text/plain;charset=UTF-8", '["\u0000",{"a":"\ud800"}]'],
      ["%00", "text/plain;charset=UTF-8", "{nope"],
      ["x", "multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n\u0000\r\n--x--\r\n'],
    ] as const) {
      out.push({ method: "POST", auth, target: plain, headers: [`Next-Action: ${id}`, `Content-Type: ${type}`], body: b });
    }
  }
  // Bodies.
  if (target.hasBody) {
    for (const b of bodiesFor(target)) out.push({ method, auth, target: plain, body: b });
    out.push({ method, auth, target: plain, body: "x=%00", headers: ["Content-Type: application/x-www-form-urlencoded"] });
    out.push({ method, auth, target: plain, body: Buffer.from([0xed, 0xa0, 0x80, 0x00, 0xff]), headers: ["Content-Type: text/csv"] });
  }
  return out;
}

// ----------------------------------------------------------------------------- the test

test("thousands of hostile requests across every API route, page and data route: no 5xx", async ({ baseURL, browser }) => {
  test.setTimeout(600_000);
  const url = new URL(baseURL!);
  baseHost = url.hostname;
  basePort = Number(url.port);

  // Its own user (admin of its own project) and API keys: what the fuzz writes touches no demo data.
  const db = getDb();
  const suffix = randomUUID().slice(0, 8);
  const who = { email: `fuzz-${suffix}@example.test`, password: `fuzz-${suffix}-password` };
  const user = await db.user.create({ data: { email: who.email, name: "Fuzz", passwordHash: await hashPassword(who.password) } });
  const project = await db.project.create({ data: { slug: `fuzz-${suffix}`, name: `Fuzz ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await signIn(page, who);
    await page.waitForURL(`**/p/${project.slug}/prompts`);
    cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  } finally {
    await context.close();
  }
  keys = [];
  for (let i = 0; i < KEYS; i++) {
    const generated = generateApiKey();
    await db.apiKey.create({
      data: { projectId: project.id, name: `fuzz ${i}`, prefix: generated.prefix, hash: generated.hash, scopes: [...API_KEY_SCOPES] },
    });
    keys.push(generated.key);
  }
  const promptName = `fuzz/p-${suffix}`;
  const datasetName = `fuzz-${suffix}`;
  const created = await send({
    method: "POST",
    target: `/api/v1/prompts/${encodeURIComponent(promptName)}/versions`,
    auth: "key",
    body: JSON.stringify({
      request: { model: "claude-sonnet-5-5", max_tokens: 64, messages: [{ role: "user", content: [{ type: "text", text: "Q: {{question}}" }] }] },
      variables: { question: { type: "string", required: true } },
      changelog: "fuzz",
      publish: true,
    }),
  });
  expect(created.status, created.head).toBe(201);
  const dataset = await send({ method: "POST", target: "/api/v1/datasets", auth: "key", body: JSON.stringify({ name: datasetName }) });
  expect(dataset.status, dataset.head).toBe(201);
  const ingested = await send({
    method: "POST",
    target: "/api/v1/calls",
    auth: "key",
    body: JSON.stringify({ calls: [{ model: "claude-sonnet-5-5", prompt: promptName, version: "1.0.0" }] }),
  });
  expect(ingested.status, ingested.head).toBe(202);
  await expect.poll(() => db.callLog.count({ where: { projectId: project.id } })).toBeGreaterThan(0);
  const call = await db.callLog.findFirstOrThrow({ where: { projectId: project.id }, select: { id: true } });
  const ids: Record<string, string> = {
    project: project.slug,
    prompt: promptName,
    dataset: datasetName,
    calls: call.id,
    experiments: "e",
    evals: "r",
    apiId: "x",
  };

  const dashboard = dashboardTargets({ ...ids, prompt: encodeURIComponent(promptName) });
  const api = apiTargets(ids);
  // Every page and route handler was found (a new one is fuzzed without editing this file).
  expect(dashboard.length).toBeGreaterThan(30);
  const apiProbes = api.flatMap((t, index) => probesFor(t, { query: 30, stride: 1, index }));
  const pageProbes = dashboard.flatMap((t, index) => probesFor(t, { query: PAGE_QUERIES, stride: 3, index }));
  expect(apiProbes.length + pageProbes.length).toBeGreaterThanOrEqual(MIN_REQUESTS);

  const started = Date.now();
  const bad = await runAll(apiProbes);
  const apiSeconds = (Date.now() - started) / 1000;
  bad.push(...(await runAll(pageProbes)));
  const pageSeconds = (Date.now() - started) / 1000 - apiSeconds;
  const report = bad.map(
    ({ probe, answer }) =>
      `${answer.status || "no answer"} ${probe.method} ${probe.target.slice(0, 160)}${probe.headers ? ` [${probe.headers.join(" | ").slice(0, 80)}]` : ""}${probe.body !== undefined ? ` body ${String(probe.body).slice(0, 100)}` : ""}`,
  );
  console.log(
    `[fuzz] ${apiProbes.length + pageProbes.length} hostile requests: ${apiProbes.length} to ${api.length} API routes x methods in ${apiSeconds.toFixed(1)} s, ${pageProbes.length} to ${dashboard.length} pages and route handlers in ${pageSeconds.toFixed(1)} s; ${bad.length} answered 5xx or not at all`,
  );
  for (const line of report.slice(0, 400)) console.log(`[fuzz] ${line}`);
  expect(report).toEqual([]);
});
