// The webhook SSRF guard's address classification and URL checks: every internal range refused
// (v4 and v6, IPv4 embedded in v6 in its several spellings), public addresses allowed, and the
// operator's switch letting internal ones through.
import { describe, expect, it } from "vitest";
import { classifyAddress, isAllowedAddress } from "@/lib/webhooks/address";
import { guardedLookup, postWebhook } from "@/lib/webhooks/http-post";
import { webhookUrlProblem } from "@/lib/webhooks/schemas";

describe("classifyAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["198.18.0.1", "private"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["0:0:0:0:0:ffff:192.168.0.1", "private"],
    ["::127.0.0.1", "loopback"],
    ["64:ff9b::10.0.0.1", "private"],
    ["2002:c0a8:0101::1", "private"],
    ["2001:db8::1", "reserved"],
  ])("%s is %s", (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
    expect(isAllowedAddress(ip, false)).toBe(false);
    expect(isAllowedAddress(ip, true)).toBe(true);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",
    "100.128.0.0",
    "172.32.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2002:0808:0808::1",
  ])("%s is public", (ip) => {
    expect(classifyAddress(ip)).toBe("public");
    expect(isAllowedAddress(ip, false)).toBe(true);
  });

  it("refuses what is not an address", () => {
    expect(classifyAddress("example.com")).toBe("invalid");
    expect(classifyAddress("256.1.1.1")).toBe("invalid");
    expect(isAllowedAddress("nonsense", true)).toBe(false);
  });
});

describe("webhookUrlProblem", () => {
  it("takes http and https only", () => {
    expect(webhookUrlProblem("ftp://hooks.example.com/x", false)).toMatch(/Only http and https/);
    expect(webhookUrlProblem("file:///etc/passwd", true)).toMatch(/Only http and https/);
    expect(webhookUrlProblem("javascript:alert(1)", true)).toMatch(/Only http and https/);
    expect(webhookUrlProblem("not a url", false)).toMatch(/full URL/);
    expect(webhookUrlProblem("https://hooks.example.com/promptdeck", false)).toBeNull();
  });

  it("refuses internal hosts unless allowed", () => {
    for (const url of [
      "http://127.0.0.1:8080/",
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://169.254.169.254/latest",
      "http://localhost/",
      "http://intranet/",
      "http://10.0.0.5/hook",
    ]) {
      expect(webhookUrlProblem(url, false), url).toMatch(/cannot reach/);
      expect(webhookUrlProblem(url, true), url).toBeNull();
    }
    // URL parsing normalises other spellings of loopback: decimal and hex forms are caught too.
    expect(webhookUrlProblem("http://2130706433/", false)).toMatch(/loopback/);
    expect(webhookUrlProblem("http://0x7f.1/", false)).toMatch(/loopback/);
  });
});

describe("the connect-time guard", () => {
  const lookup = (resolveTo: string[], allowPrivate: boolean) =>
    new Promise<{ error: Error | null; addresses: unknown }>((resolve) => {
      const fn = guardedLookup(allowPrivate, () => Promise.resolve(resolveTo.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))));
      (fn as unknown as (h: string, o: object, cb: (e: Error | null, a?: unknown) => void) => void)("hooks.example.com", { all: true }, (error, addresses) =>
        resolve({ error, addresses }),
      );
    });

  it("refuses a name resolving to an internal address, even one among public ones", async () => {
    expect((await lookup(["127.0.0.1"], false)).error?.message).toMatch(/resolves to a loopback address 127\.0\.0\.1/);
    expect((await lookup(["8.8.8.8", "::ffff:10.0.0.1"], false)).error?.message).toMatch(/private-network/);
    expect((await lookup(["8.8.8.8"], false)).error).toBeNull();
    expect((await lookup(["127.0.0.1"], true)).error).toBeNull();
  });

  it("postWebhook refuses before connecting: a name rebound to loopback, an internal literal, another scheme", async () => {
    const rebound = await postWebhook(
      "http://rebind.example.com/hook",
      "{}",
      {},
      { allowPrivate: false, resolve: () => Promise.resolve([{ address: "127.0.0.1", family: 4 }]) },
    );
    expect(rebound.ok).toBe(false);
    expect(rebound.status).toBeNull();
    expect(rebound.error).toMatch(/refused: rebind\.example\.com resolves to a loopback address/);
    const literal = await postWebhook("http://[::ffff:169.254.169.254]/", "{}", {}, { allowPrivate: false });
    expect(literal.error).toMatch(/refused: link-local address/);
    expect((await postWebhook("gopher://example.com/", "{}", {}, { allowPrivate: true })).error).toMatch(/not allowed/);
  });
});
