// The public API's route table (lib/http/routes) and the OpenAPI document generated from it.
import { describe, expect, it } from "vitest";
import { API_KEY_SCOPES } from "@/lib/auth/api-keys";
import { httpStatusByCode } from "@/lib/errors";
import { buildOpenApiDocument } from "@/lib/http/openapi";
import { methodsOf, requestIdOf } from "@/lib/http/route";
import { apiRoutes } from "@/lib/http/routes";

type Operation = {
  operationId: string;
  security: unknown[];
  parameters: { name: string; in: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};
const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
const openapiPath = (path: string) => path.replace(/\{(\w+)\+\}/g, "{$1}");

describe("the route table", () => {
  it("declares every method+path once, with a unique operationId", () => {
    const keys = apiRoutes.flatMap((r) => methodsOf(r).map((m) => `${m} ${openapiPath(r.path)}`));
    expect(new Set(keys).size).toBe(keys.length);
    const ids = apiRoutes.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("puts every route in the OpenAPI document (HEAD implied by GET), and nothing else", () => {
    const fromTable = apiRoutes
      .flatMap((r) =>
        methodsOf(r)
          .filter((m) => m !== "HEAD")
          .map((m) => `${m.toLowerCase()} ${openapiPath(r.path)}`),
      )
      .sort();
    const fromDoc = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`))
      .sort();
    expect(fromDoc).toEqual(fromTable);
    for (const route of apiRoutes) {
      for (const method of methodsOf(route).filter((m) => m !== "HEAD")) {
        const op = doc.paths[openapiPath(route.path)]?.[method.toLowerCase()];
        expect(op?.operationId).toBe(route.operationId);
        // Every path template parameter is documented as a path parameter.
        for (const [, name] of route.path.matchAll(/\{(\w+)\+?\}/g))
          expect(
            op?.parameters.some((p) => p.name === name && p.in === "path"),
            `${route.operationId} ${name}`,
          ).toBe(true);
        // Query keys come from the schema the wrapper parses with.
        if (route.query) expect(op?.parameters.filter((p) => p.in === "query").length).toBeGreaterThan(0);
        expect(Boolean(op?.requestBody)).toBe(Boolean(route.body));
        if (route.response) expect(op?.responses).toHaveProperty(String(route.response.status));
        // Authenticated routes document the wrapper's errors.
        if (route.scope !== null) expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(["401", "403", "429", "503"]));
        if (route.body) expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(["400", "422"]));
        expect(op?.security).toEqual(route.scope === null ? [] : route.auth === "basic" ? [{ basic: [] }, { bearer: [] }] : [{ bearer: [] }]);
      }
    }
  });

  it("gives the main endpoints a response schema", () => {
    for (const route of apiRoutes.filter((r) => r.operationId !== "openapi")) expect(route.response?.schema, route.operationId).toBeDefined();
  });

  it("names every API key scope and every error code (issue 18, defect 13)", () => {
    const full = buildOpenApiDocument() as { info: { description: string }; components: { schemas: { Error: unknown } } };
    for (const scope of API_KEY_SCOPES) expect(full.info.description).toContain(scope);
    const errorDoc = JSON.stringify(full.components.schemas.Error);
    for (const code of Object.keys(httpStatusByCode)) expect(errorDoc, code).toContain(code);
    expect(httpStatusByCode.payload_too_large).toBe(413);
  });

  it("documents why ingest and /run answer 503: buffer full, journal unwritable, database unreachable (issue 17, leftover 3)", () => {
    const described = (path: string) => {
      const op = doc.paths[path]?.post;
      const answer = op?.responses["503"] as { description: string; content?: unknown } | undefined;
      expect(answer?.content, path).toBeDefined();
      return answer?.description ?? "";
    };
    for (const path of ["/api/v1/calls", "/api/v1/prompts/{name}/run"]) {
      expect(described(path)).toMatch(/buffer is full/);
      expect(described(path)).toMatch(/journal cannot be written/);
      expect(described(path)).toMatch(/database is unreachable/);
    }
    expect(described("/api/v1/prompts/{name}/run")).toMatch(/could not be logged durably/);
  });

  it("resolves every component reference", () => {
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    for (const ref of new Set(refs)) expect(doc.components.schemas, ref).toHaveProperty(ref!);
  });
});

describe("request ids", () => {
  it("keeps a plain incoming id and replaces anything else with a UUID", () => {
    expect(requestIdOf("req-123_abc.def:9/x+y=")).toBe("req-123_abc.def:9/x+y=");
    expect(requestIdOf(["first", "second"])).toBe("first");
    const generated = /^[0-9a-f]{8}-[0-9a-z]+$/;
    const ids = [undefined, "", "a b", "x".repeat(129), "line\nbreak", "é", "<script>", "\u0000"].map((bad) => requestIdOf(bad));
    for (const id of ids) expect(id).toMatch(generated);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
