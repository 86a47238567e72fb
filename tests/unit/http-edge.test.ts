// The URL edge check (lib/http/edge.ts) that the API dispatcher and the dashboard share.
import { describe, expect, it } from "vitest";
import { requestTargetProblem, webRequestProblem } from "@/lib/http/edge";

describe("requestTargetProblem", () => {
  it("passes ordinary URLs, encoded slashes, UTF-8 and dotted names", () => {
    for (const url of [
      "/",
      "/api/v1/prompts/support?label=production",
      "/api/v1/prompts/team%2Fsupport/run",
      "/p/demo/prompts?q=caf%C3%A9+cr%C3%A8me&tag=a.b",
      "/p/demo/prompts?q=100%25",
      "/p/demo/metrics/data?view=overview&from=2026-01-01T00:00:00Z",
      "/.well-known/security.txt",
      "/api/v1/prompts/a..b/x.y",
      "/p/demo/prompts?q=%F0%9F%98%80%E2%80%AE%E2%80%8B",
    ]) {
      expect(requestTargetProblem(url), url).toBeNull();
    }
  });

  it("refuses malformed or non-UTF-8 percent-encoding in the path or the query", () => {
    for (const url of ["/p/%E0%A4%A", "/p/%ZZ", "/p/%", "/p/%C0%AE", "/p/%FF%FE", "/p/%ED%A0%80", "/p/%ED%BF%BF"]) {
      expect(requestTargetProblem(url), url).toMatch(/percent-encoding in the path/);
    }
    for (const url of ["/p?q=%E0%A4%A", "/p?%ZZ=1", "/p?q=%ED%A0%80", "/p?a=1&b=%"]) {
      expect(requestTargetProblem(url), url).toMatch(/percent-encoding in the query/);
    }
  });

  it("refuses control characters (NUL above all) once decoded", () => {
    expect(requestTargetProblem("/p/a%00b")).toMatch(/Control characters .* path/);
    expect(requestTargetProblem("/p/a%0D%0Ab")).toMatch(/Control characters .* path/);
    expect(requestTargetProblem("/p?q=%00")).toMatch(/Control characters .* query/);
    expect(requestTargetProblem("/p?%00=1")).toMatch(/Control characters .* query/);
  });

  it("refuses '.' and '..' segments, raw or encoded", () => {
    for (const url of ["/api/v1/prompts/a/../a", "/api/v1/prompts/./a", "/p/demo/..", "/p/%2E%2E/x", "/p/%2e/x"]) {
      expect(requestTargetProblem(url), url).toMatch(/'\.' or '\.\.' segment/);
    }
  });
});

describe("webRequestProblem", () => {
  it("also refuses a dashboard prompt name with an empty, '.' or '..' segment", () => {
    expect(webRequestProblem("/p/demo/prompts/team%2Fsupport/edit")).toBeNull();
    expect(webRequestProblem("/p/demo/prompts/new")).toBeNull();
    for (const url of ["/p/demo/prompts/a%2F..%2Fa", "/p/demo/prompts/a%2F%2Fb/edit", "/p/demo/prompts/a%2F", "/p/demo/metrics/prompts/a%2F.%2Fb"]) {
      expect(webRequestProblem(url), url).toMatch(/Invalid prompt name .*segment/);
    }
  });
});
