// The headers the web process gets from the front's proxy (lib/runtime/web-proxy.ts): hop-by-hop
// ones dropped (also those the Connection header names), X-Forwarded-* from what the front saw,
// a trusted proxy's kept and extended, the front's secret set (never the client's).
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { forwardedRequestHeaders, fromFront, FRONT_SECRET_HEADER } from "@/lib/runtime/web-proxy";

function request(
  headers: Record<string, string | string[]>,
  socket: { remoteAddress?: string; localPort?: number; encrypted?: boolean } = {},
): IncomingMessage {
  return { headers, socket: { remoteAddress: "10.0.0.7", localPort: 3000, ...socket } } as unknown as IncomingMessage;
}

describe("forwardedRequestHeaders", () => {
  it("drops hop-by-hop headers and sets X-Forwarded-* from the socket and Host when no proxy is trusted", () => {
    const out = forwardedRequestHeaders(
      request({
        host: "dash.example:3000",
        connection: "keep-alive, X-Secret-Hop",
        "keep-alive": "timeout=5",
        "x-secret-hop": "1",
        "transfer-encoding": "chunked",
        expect: "100-continue",
        cookie: "a=1",
        "x-forwarded-for": "6.6.6.6",
        "x-forwarded-host": "evil.example",
        "x-forwarded-proto": "https",
        [FRONT_SECRET_HEADER]: "guessed",
      }),
      false,
      "s3cret",
    );
    expect(out).toEqual({
      host: "dash.example:3000",
      cookie: "a=1",
      "x-forwarded-for": "10.0.0.7",
      "x-forwarded-host": "dash.example:3000",
      "x-forwarded-proto": "http",
      "x-forwarded-port": "3000",
      [FRONT_SECRET_HEADER]: "s3cret",
    });
  });

  it("keeps a trusted proxy's X-Forwarded-* and appends the peer to X-Forwarded-For", () => {
    const out = forwardedRequestHeaders(
      request({
        host: "10.0.0.2:3000",
        "x-forwarded-for": "203.0.113.9, 198.51.100.1",
        "x-forwarded-host": "prompts.example.com",
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
      }),
      true,
      "s3cret",
    );
    expect(out["x-forwarded-for"]).toBe("203.0.113.9, 198.51.100.1, 10.0.0.7");
    expect(out["x-forwarded-host"]).toBe("prompts.example.com");
    expect(out["x-forwarded-proto"]).toBe("https");
    expect(out["x-forwarded-port"]).toBe("443");
  });

  it("fromFront accepts only the exact secret", () => {
    expect(fromFront(request({ [FRONT_SECRET_HEADER]: "s3cret" }), "s3cret")).toBe(true);
    expect(fromFront(request({ [FRONT_SECRET_HEADER]: "s3cre" }), "s3cret")).toBe(false);
    expect(fromFront(request({ [FRONT_SECRET_HEADER]: "s3creT" }), "s3cret")).toBe(false);
    expect(fromFront(request({}), "s3cret")).toBe(false);
  });
});
