import { readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

// `engines.node` in package.json must be true: every Node version it admits runs every package
// `npm ci` installs (optional platform binaries aside), so `npm ci` prints no EBADENGINE warning.
const root = path.resolve(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { optional?: boolean; engines?: { node?: string } | string[] }>;
};

describe("package.json engines", () => {
  it("is a valid range that admits the Node version CI runs (20.x)", () => {
    expect(semver.validRange(pkg.engines.node)).not.toBeNull();
    expect(semver.satisfies("20.19.0", pkg.engines.node)).toBe(true);
  });

  it("admits no Node version that an installed package refuses", () => {
    const refusing: string[] = [];
    for (const [name, entry] of Object.entries(lock.packages)) {
      if (!name || entry.optional || Array.isArray(entry.engines)) continue;
      const wanted = entry.engines?.node;
      if (!wanted) continue;
      if (!semver.subset(pkg.engines.node, wanted)) refusing.push(`${name} wants node ${wanted}`);
    }
    expect(refusing).toEqual([]);
  });
});
