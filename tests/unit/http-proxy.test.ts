import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress, crossOriginActionProblem, dropUntrustedProxyHeaders, stampClientAddress } from "@/lib/http/proxy";
import { CLIENT_ADDRESS_HEADER } from "@/lib/auth/client-address";
import { parseEnv } from "@/lib/env";

function request(headers: Record<string, string>, remoteAddress = "10.0.0.9"): IncomingMessage {
  return { headers: { ...headers }, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe("proxy headers (PROMPTDECK_TRUST_PROXY)", () => {
  it("drops X-Forwarded-Host/-Proto/-Port unless the proxy is trusted", () => {
    const forged = {
      host: "app.example",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "http",
      "x-forwarded-port": "1",
      origin: "https://evil.example",
    };
    const untrusted = request(forged);
    dropUntrustedProxyHeaders(untrusted, false);
    expect(untrusted.headers).toEqual({ host: "app.example", origin: "https://evil.example" });
    const trusted = request(forged);
    dropUntrustedProxyHeaders(trusted, true);
    expect(trusted.headers).toEqual(forged);
  });

  it("takes the client address from the socket, or behind a trusted proxy from the last X-Forwarded-For hop", () => {
    const req = request({ "x-forwarded-for": "192.0.2.1, 198.51.100.7" });
    expect(clientAddress(req, false)).toBe("10.0.0.9");
    expect(clientAddress(req, true)).toBe("198.51.100.7");
    expect(clientAddress(request({}), true)).toBe("10.0.0.9");
  });

  it("stamps the client address for the sign-in limits, replacing what the client sent", () => {
    const forged = request({ [CLIENT_ADDRESS_HEADER]: "203.0.113.66", "x-forwarded-for": "192.0.2.1" });
    stampClientAddress(forged, false);
    expect(forged.headers[CLIENT_ADDRESS_HEADER]).toBe("10.0.0.9");
    const proxied = request({ "x-forwarded-for": "192.0.2.1" });
    stampClientAddress(proxied, true);
    expect(proxied.headers[CLIENT_ADDRESS_HEADER]).toBe("192.0.2.1");
    const unknown = { headers: { [CLIENT_ADDRESS_HEADER]: "203.0.113.66" }, socket: {} } as unknown as IncomingMessage;
    stampClientAddress(unknown, false);
    expect(unknown.headers[CLIENT_ADDRESS_HEADER]).toBeUndefined();
  });

  it("is off unless set to 1 or true", () => {
    expect(parseEnv({}).PROMPTDECK_TRUST_PROXY).toBe(false);
    expect(parseEnv({ PROMPTDECK_TRUST_PROXY: "0" }).PROMPTDECK_TRUST_PROXY).toBe(false);
    expect(parseEnv({ PROMPTDECK_TRUST_PROXY: "1" }).PROMPTDECK_TRUST_PROXY).toBe(true);
    expect(parseEnv({ PROMPTDECK_TRUST_PROXY: "true" }).PROMPTDECK_TRUST_PROXY).toBe(true);
    expect(() => parseEnv({ PROMPTDECK_TRUST_PROXY: "yes" })).toThrow(/PROMPTDECK_TRUST_PROXY/);
  });

  it("refuses a cross-origin server action (403 before Next, which would answer 500), and only an action", () => {
    const action = (headers: Record<string, string>, method = "POST") =>
      ({ method, headers: { "next-action": "abc", host: "app.example", ...headers }, socket: {} }) as unknown as IncomingMessage;
    expect(crossOriginActionProblem(action({ origin: "https://app.example" }), false)).toBeNull();
    expect(crossOriginActionProblem(action({ origin: "https://evil.example" }), false)).toMatch(/Origin does not match Host/);
    expect(crossOriginActionProblem(action({ origin: "not a url" }), false)).toMatch(/not a URL/);
    expect(crossOriginActionProblem(action({}), false)).toBeNull();
    expect(crossOriginActionProblem(action({ origin: "https://evil.example" }, "GET"), false)).toBeNull();
    const plainPost = { method: "POST", headers: { host: "app.example", origin: "https://evil.example" }, socket: {} } as unknown as IncomingMessage;
    expect(crossOriginActionProblem(plainPost, false)).toBeNull();
    // Behind a trusted proxy the public host is the forwarded one.
    expect(crossOriginActionProblem(action({ origin: "https://public.example", "x-forwarded-host": "public.example" }), true)).toBeNull();
    expect(crossOriginActionProblem(action({ origin: "https://evil.example", "x-forwarded-host": "public.example" }), true)).toMatch(/does not match/);
  });
});
