import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress, dropUntrustedProxyHeaders } from "@/lib/http/proxy";
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

  it("is off unless set to 1 or true", () => {
    expect(parseEnv({}).PROMPTDECK_TRUST_PROXY).toBe(false);
    expect(parseEnv({ PROMPTDECK_TRUST_PROXY: "0" }).PROMPTDECK_TRUST_PROXY).toBe(false);
    expect(parseEnv({ PROMPTDECK_TRUST_PROXY: "1" }).PROMPTDECK_TRUST_PROXY).toBe(true);
    expect(parseEnv({ PROMPTDECK_TRUST_PROXY: "true" }).PROMPTDECK_TRUST_PROXY).toBe(true);
    expect(() => parseEnv({ PROMPTDECK_TRUST_PROXY: "yes" })).toThrow(/PROMPTDECK_TRUST_PROXY/);
  });
});
