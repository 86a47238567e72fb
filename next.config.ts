import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // Prisma's generated client and PGlite load wasm at runtime; keep them out of the server bundle.
  serverExternalPackages: ["@electric-sql/pglite", "@electric-sql/pglite-socket", "pino"],
  // `npm run build` type-checks (strict). `npm run demo` sets PROMPTDECK_DEMO_BUILD=1 to skip that
  // step (over half the build on 2 cores): the demo serves a checkout whose types `npm test`
  // (tsc --noEmit) already checks.
  typescript: { ignoreBuildErrors: process.env.PROMPTDECK_DEMO_BUILD === "1" },
  // The demo's first build also skips writing Turbopack's build cache (tens of seconds on a busy
  // 2-core machine, and only a later rebuild would read it).
  experimental: { turbopackFileSystemCacheForBuild: process.env.PROMPTDECK_DEMO_BUILD !== "1" },
};

export default nextConfig;
