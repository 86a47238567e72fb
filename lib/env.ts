import { z } from "zod";

export const DEFAULT_MINUTE_RETENTION_DAYS = 14;

/**
 * PROMPTDECK_MINUTE_ROLLUP_DAYS: how long minute-level metric rollups are kept (lib/metrics/retention.ts
 * reads it through this schema; part of the env schema, so a bad value fails at startup).
 */
export const minuteRollupDaysSchema = z.preprocess(
  (v) => (v === "" ? undefined : v),
  z.coerce
    .number()
    .int("must be a whole number of days between 2 and 3650")
    .min(2, "must be a whole number of days between 2 and 3650")
    .max(3650, "must be a whole number of days between 2 and 3650")
    .default(DEFAULT_MINUTE_RETENTION_DAYS),
);

/**
 * Every environment variable the app reads, parsed once. Scripts and the server call
 * `getEnv()`; a bad value fails fast with a message naming the variable. Code that may run
 * before the process's environment is final (the logger at import, launchers that set
 * DATABASE_URL for what they start) reads one variable with `envVar(name)`, not cached.
 */
const envSchema = z.object({
  // Unset means neither (server.ts serves production unless --dev or NODE_ENV=development).
  NODE_ENV: z.enum(["development", "test", "production"]).optional(),
  DATABASE_URL: z.string().url().optional(),
  // adapter-pg ignores ?connection_limit=, so the pool size is its own setting.
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  AUTH_SECRET: z.string().min(16).optional(),
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  PROMPTDECK_DATA_DIR: z.string().min(1).default(".data"),
  PROMPTDECK_DEMO_API_KEY: z
    .string()
    .regex(/^pd_[A-Za-z0-9_]{16,}$/, "must look like pd_ followed by at least 16 letters/digits")
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000), // 0 = a free port (tests)
  /** server.ts's bind address (default 0.0.0.0). */
  PROMPTDECK_HOST: z.string().min(1).optional(),
  /** Set by shells and containers to the machine name; server.ts binds to it only when it is an IP address or "localhost". */
  HOSTNAME: z.string().optional(),
  /** A running simulator to use instead of starting one in-process (when ANTHROPIC_API_KEY is unset). */
  PROMPTDECK_SIMULATOR_URL: z.string().url().optional(),
  /** Latency divisor of the in-process simulator (default 1 = realistic latency). */
  PROMPTDECK_SIMULATOR_SPEED: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().positive("must be a positive number").default(1)),
  /** Any non-empty value: the schema engine's debug lines go to the log (lib/db/migrate.ts). */
  PROMPTDECK_MIGRATE_DEBUG: z.string().optional(),
  PROMPTDECK_MINUTE_ROLLUP_DAYS: minuteRollupDaysSchema,
  // How long a shutting-down server waits for in-flight requests (lib/runtime/process.ts).
  PROMPTDECK_SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
  /** Default per-key rate limit (sustained requests per second) for keys without their own (lib/api-keys/rate-limit.ts). */
  PROMPTDECK_RATE_LIMIT_PER_SECOND: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().positive("must be a positive number of requests per second").max(1_000_000, "must be at most 1,000,000").default(100),
  ),
  /** Default per-key burst (requests at once after being idle) for keys without their own. */
  PROMPTDECK_RATE_LIMIT_BURST: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int("must be a whole number of requests").min(1, "must be at least 1").max(10_000_000, "must be at most 10,000,000").default(200),
  ),
  /** The call-log writer's in-memory buffer bound, in MiB of encoded rows; beyond it calls are refused with 503 + Retry-After. */
  PROMPTDECK_CALL_BUFFER_MB: z.coerce.number().int().min(1).max(16_384).default(64),
  /**
   * The call log's durable journal (lib/calls/journal.ts): rows not stored in PostgreSQL yet, on
   * local disk; each instance takes a slot directory under it. Default <PROMPTDECK_DATA_DIR>/call-journal;
   * "off" keeps them in memory only (a stop during an outage or a crash loses them).
   */
  PROMPTDECK_CALL_JOURNAL_DIR: z.string().min(1).optional(),
  /**
   * While the database is unreachable, an API key verified within this many seconds keeps working;
   * after that it is answered 503 (unverifiable), so a revocation wins within this window.
   */
  PROMPTDECK_AUTH_STALE_SECONDS: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int("must be a whole number of seconds").min(0, "must be 0 or more").max(86_400, "must be at most 86400 (a day)").default(60),
  ),
  /**
   * "1": the server is behind a reverse proxy it trusts, so X-Forwarded-Host / -Proto (server
   * actions' origin check, URLs) and the last X-Forwarded-For hop (client address) are believed.
   * Unset or "0": they are ignored (lib/http/proxy.ts).
   */
  PROMPTDECK_TRUST_PROXY: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .enum(["0", "1", "false", "true"], { error: 'must be "1" (behind a trusted proxy) or "0"' })
      .default("0")
      .transform((v) => v === "1" || v === "true"),
  ),
  /**
   * "1": webhooks may reach internal addresses (loopback, private networks, link-local, CGNAT, ...),
   * e.g. a receiver on the same machine in tests or a trusted internal network. Unset or "0": they
   * are refused when an endpoint is saved and again at connect time (lib/webhooks/address.ts).
   */
  PROMPTDECK_WEBHOOK_ALLOW_PRIVATE: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .enum(["0", "1", "false", "true"], { error: 'must be "1" (internal addresses allowed) or "0"' })
      .default("0")
      .transform((v) => v === "1" || v === "true"),
  ),
  /** Failed delivery attempts in a row after which a webhook endpoint is disabled (a success resets the count). */
  PROMPTDECK_WEBHOOK_DISABLE_AFTER: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int("must be a whole number of attempts").min(1, "must be at least 1").max(10_000, "must be at most 10,000").default(20),
  ),
  /** Live streams (GET /api/v1/stream) one API key may hold open on one instance; beyond it a new one is answered 429. */
  PROMPTDECK_STREAM_MAX_PER_KEY: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int("must be a whole number of streams").min(1, "must be at least 1").max(100_000, "must be at most 100,000").default(20),
  ),
  /**
   * Days the event outbox (ProjectEvent) and the webhook delivery log (WebhookDelivery,
   * WebhookAttempt) are kept; older rows are pruned in the background (lib/webhooks/prune.ts).
   * Also how far back a live stream can resume with Last-Event-ID.
   */
  PROMPTDECK_EVENT_RETENTION_DAYS: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int("must be a whole number of days").min(1, "must be at least 1 day").max(3650, "must be at most 3650 days").default(30),
  ),
  /** Hours a rotated webhook secret keeps signing deliveries next to the new one (receivers switch without losing events). */
  PROMPTDECK_WEBHOOK_SECRET_GRACE_HOURS: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().min(0, "must be 0 or more hours").max(720, "must be at most 720 hours (30 days)").default(24),
  ),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** One variable, parsed now with its schema (not cached); throws the same message as getEnv for a bad value. */
export function envVar<K extends keyof Env>(name: K, source: Record<string, string | undefined> = process.env): Env[K] {
  const result = envSchema.shape[name].safeParse(source[name]);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${name}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  return result.data as Env[K];
}

/** The auth secret under either name next-auth accepts. */
export function authSecret(env: Env = getEnv()): string | undefined {
  return env.AUTH_SECRET ?? env.NEXTAUTH_SECRET;
}
