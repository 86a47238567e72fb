import net from "node:net";

/**
 * Where an IP address points, for the webhook SSRF guard: "public" is the only class a webhook may
 * reach unless the operator allows internal addresses (PROMPTDECK_WEBHOOK_ALLOW_PRIVATE=1).
 */
export type AddressClass = "public" | "unspecified" | "loopback" | "private" | "link-local" | "cgnat" | "multicast" | "broadcast" | "reserved" | "invalid";

type Range = readonly [bigint, bigint, AddressClass];

function v4ToNumber(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const v = Number(part);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

const V4: ReadonlyArray<readonly [string, number, AddressClass]> = [
  ["0.0.0.0", 8, "unspecified"], // "this network"; 0.0.0.0 itself reaches the local host on Linux
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "cgnat"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"], // cloud metadata lives here (169.254.169.254)
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"], // IETF protocol assignments
  ["192.0.2.0", 24, "reserved"], // documentation
  ["192.88.99.0", 24, "reserved"], // 6to4 relay anycast
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "private"], // benchmarking, routed inside networks
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
  ["255.255.255.255", 32, "broadcast"],
];

const V4_RANGES: Range[] = V4.map(([base, bits, cls]) => {
  const start = BigInt(v4ToNumber(base)!);
  return [start, start + (1n << BigInt(32 - bits)) - 1n, cls] as const;
});

function classifyV4(n: number): AddressClass {
  const value = BigInt(n);
  // Most specific (longest prefix) wins: 255.255.255.255 sits inside 240.0.0.0/4.
  let best: { cls: AddressClass; size: bigint } | undefined;
  for (const [start, end, cls] of V4_RANGES) {
    if (value >= start && value <= end && (!best || end - start < best.size)) best = { cls, size: end - start };
  }
  return best?.cls ?? "public";
}

/** Eight 16-bit groups of an IPv6 address (a dotted IPv4 tail allowed, a zone id dropped); null if malformed. */
function parseV6(input: string): number[] | null {
  let ip = input;
  const zone = ip.indexOf("%");
  if (zone >= 0) ip = ip.slice(0, zone);
  if (net.isIPv6(ip) === false) return null;
  let tail: number[] = [];
  const lastColon = ip.lastIndexOf(":");
  const last = ip.slice(lastColon + 1);
  if (last.includes(".")) {
    const n = v4ToNumber(last);
    if (n === null) return null;
    tail = [Math.floor(n / 65536), n % 65536];
    ip = ip.slice(0, lastColon + 1) + "0:0";
  }
  const halves = ip.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 && missing !== 0) return null;
  const groups = [...head, ...Array<string>(Math.max(0, missing)).fill("0"), ...rest].map((g) => parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null;
  if (tail.length === 2) {
    groups[6] = tail[0]!;
    groups[7] = tail[1]!;
  }
  return groups;
}

function classifyV6(groups: number[]): AddressClass {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const embedded = g6 * 65536 + g7;
  const zeroHead = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroHead && g5 === 0) {
    if (g6 === 0 && g7 === 0) return "unspecified"; // ::
    if (g6 === 0 && g7 === 1) return "loopback"; // ::1
    return classifyV4(embedded); // IPv4-compatible ::a.b.c.d (deprecated, still routed to v4 by some stacks)
  }
  if (zeroHead && g5 === 0xffff) return classifyV4(embedded); // IPv4-mapped ::ffff:a.b.c.d
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) return classifyV4(embedded); // IPv4-translated ::ffff:0:a.b.c.d
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyV4(embedded); // NAT64 64:ff9b::/96
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return "private"; // local-use NAT64 64:ff9b:1::/48
  if (g0 === 0x2002) return classifyV4(g1 * 65536 + g2); // 6to4 2002:a.b.c.d::/48
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return "reserved"; // discard 100::/64
  if (g0 === 0x2001 && g1 === 0x0db8) return "reserved"; // documentation
  if (g0 === 0x2001 && g1 === 0) return "reserved"; // Teredo: tunnels to an IPv4 host we cannot see
  if ((g0 & 0xfe00) === 0xfc00) return "private"; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return "link-local"; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return "private"; // site-local fec0::/10 (deprecated)
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  return "public";
}

/** Classifies an IPv4 or IPv6 literal (IPv4-mapped, -compatible, NAT64 and 6to4 forms by their IPv4 address). */
export function classifyAddress(ip: string): AddressClass {
  const family = net.isIP(ip.includes("%") ? ip.slice(0, ip.indexOf("%")) : ip);
  if (family === 4) {
    const n = v4ToNumber(ip);
    return n === null ? "invalid" : classifyV4(n);
  }
  if (family === 6) {
    const groups = parseV6(ip);
    return groups ? classifyV6(groups) : "invalid";
  }
  return "invalid";
}

/** Whether a webhook may connect to `ip`: public addresses always, internal ones only when allowed. */
export function isAllowedAddress(ip: string, allowPrivate: boolean): boolean {
  const cls = classifyAddress(ip);
  if (cls === "invalid") return false;
  return cls === "public" || allowPrivate;
}

/** "loopback address 127.0.0.1"-style wording for errors. */
export function describeAddress(ip: string): string {
  const cls = classifyAddress(ip);
  const words: Record<AddressClass, string> = {
    public: "public address",
    unspecified: "unspecified address",
    loopback: "loopback address",
    private: "private-network address",
    "link-local": "link-local address",
    cgnat: "carrier-grade NAT address",
    multicast: "multicast address",
    broadcast: "broadcast address",
    reserved: "reserved address",
    invalid: "invalid address",
  };
  return `${words[cls]} ${ip}`;
}
