import { createHash } from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import type { Credentials } from "@/lib/users/credentials";
import { authenticateUser, type UserSummary } from "@/lib/users/queries";

/**
 * Brute-force protection for email + password sign-in. Failed attempts are counted per email and
 * per client address in PostgreSQL (`SignInThrottle`), so every instance sees the same counts:
 * past `slowAfter` failures in the window each further attempt is answered more slowly, and at
 * `lockAfter` the key is refused outright for `lockMs` (without checking the password, so the
 * lock cannot be raced). A successful sign-in clears its email's count; an address's count only
 * runs out with its window (one address may be shared by many people, e.g. an office NAT).
 */
export interface ThrottleRule {
  /** Failures in the window after which every attempt is delayed. */
  slowAfter: number;
  /** Failures in the window at which the key is locked. */
  lockAfter: number;
}

export interface ThrottlePolicy {
  /** Failures older than this (counted from the window's first failure) are forgotten. */
  windowMs: number;
  /** How long a locked key is refused. */
  lockMs: number;
  /** Added delay per failure beyond `slowAfter`, capped at `maxDelayMs`. */
  delayStepMs: number;
  maxDelayMs: number;
  email: ThrottleRule;
  address: ThrottleRule;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  delayStepMs: 250,
  maxDelayMs: 2_000,
  email: { slowAfter: 3, lockAfter: 10 },
  address: { slowAfter: 20, lockAfter: 50 },
};

/** A key's stored state (times in epoch milliseconds). */
export interface ThrottleState {
  failures: number;
  windowStart: number;
  lockedUntil: number | null;
}

export type ThrottleDecision = { kind: "allow"; delayMs: number } | { kind: "locked"; retryAfterMs: number };

/** Whether a window has run out (or its lock has ended), so the key starts again from zero. */
export function isExpired(state: ThrottleState, policy: ThrottlePolicy, now: number): boolean {
  if (state.lockedUntil !== null) return state.lockedUntil <= now;
  return state.windowStart + policy.windowMs <= now;
}

/** What to do with an attempt for a key in `state` (null: no failures recorded). Pure. */
export function throttleDecision(state: ThrottleState | null, rule: ThrottleRule, policy: ThrottlePolicy, now: number): ThrottleDecision {
  if (state === null || isExpired(state, policy, now)) return { kind: "allow", delayMs: 0 };
  if (state.lockedUntil !== null) return { kind: "locked", retryAfterMs: state.lockedUntil - now };
  if (state.failures < rule.slowAfter) return { kind: "allow", delayMs: 0 };
  return { kind: "allow", delayMs: Math.min(policy.delayStepMs * (state.failures - rule.slowAfter + 1), policy.maxDelayMs) };
}

/** The stricter of several decisions: any lock (the longest), else the longest delay. */
export function combineDecisions(decisions: ThrottleDecision[]): ThrottleDecision {
  let delayMs = 0;
  let retryAfterMs = -1;
  for (const d of decisions) {
    if (d.kind === "locked") retryAfterMs = Math.max(retryAfterMs, d.retryAfterMs);
    else delayMs = Math.max(delayMs, d.delayMs);
  }
  return retryAfterMs >= 0 ? { kind: "locked", retryAfterMs } : { kind: "allow", delayMs };
}

/**
 * The stored key for an email or a client address: a SHA-256 digest, so the table holds no
 * addresses and its keys have a fixed length whatever was typed.
 */
export function throttleKey(kind: "email" | "address", value: string): string {
  const normalized = kind === "email" ? value.trim().toLowerCase() : normalizeAddress(value);
  return `${kind}:${createHash("sha256").update(normalized).digest("hex")}`;
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as the IPv4 address. */
function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

interface StoredRow {
  key: string;
  failures: number;
  windowStart: number;
  lockedUntil: number | null;
}

async function readStates(db: PrismaClient, keys: string[]): Promise<Map<string, ThrottleState>> {
  const rows = await db.$queryRaw<StoredRow[]>`
    SELECT "key", "failures",
           (EXTRACT(EPOCH FROM "windowStart") * 1000)::float8 AS "windowStart",
           (EXTRACT(EPOCH FROM "lockedUntil") * 1000)::float8 AS "lockedUntil"
      FROM "SignInThrottle" WHERE "key" = ANY(${keys}::text[])`;
  return new Map(rows.map((r) => [r.key, { failures: r.failures, windowStart: r.windowStart, lockedUntil: r.lockedUntil }]));
}

/** A UTC timestamp for a `timestamp(3)` column, whatever the session's time zone. */
function ts(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Counts one failure for `key` in one statement (safe under concurrency and across instances):
 * a new or expired window starts at 1; reaching `lockAfter` locks the key for `lockMs`.
 */
export async function recordFailure(db: PrismaClient, key: string, rule: ThrottleRule, policy: ThrottlePolicy, now: number): Promise<ThrottleState> {
  const nowTs = ts(now);
  const windowFloor = ts(now - policy.windowMs);
  const lockUntil = ts(now + policy.lockMs);
  const rows = await db.$queryRaw<Omit<StoredRow, "key">[]>`
    INSERT INTO "SignInThrottle" AS t ("key", "failures", "windowStart", "lockedUntil", "updatedAt")
    VALUES (${key}, 1, (${nowTs}::timestamptz AT TIME ZONE 'UTC'),
            CASE WHEN 1 >= ${rule.lockAfter}::int THEN (${lockUntil}::timestamptz AT TIME ZONE 'UTC') END,
            (${nowTs}::timestamptz AT TIME ZONE 'UTC'))
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN t."lockedUntil" <= (${nowTs}::timestamptz AT TIME ZONE 'UTC')
                          OR (t."lockedUntil" IS NULL AND t."windowStart" <= (${windowFloor}::timestamptz AT TIME ZONE 'UTC'))
                        THEN 1 ELSE t."failures" + 1 END,
      "windowStart" = CASE WHEN t."lockedUntil" <= (${nowTs}::timestamptz AT TIME ZONE 'UTC')
                             OR (t."lockedUntil" IS NULL AND t."windowStart" <= (${windowFloor}::timestamptz AT TIME ZONE 'UTC'))
                           THEN (${nowTs}::timestamptz AT TIME ZONE 'UTC') ELSE t."windowStart" END,
      "lockedUntil" = CASE WHEN t."lockedUntil" <= (${nowTs}::timestamptz AT TIME ZONE 'UTC')
                             OR (t."lockedUntil" IS NULL AND t."windowStart" <= (${windowFloor}::timestamptz AT TIME ZONE 'UTC'))
                           THEN CASE WHEN 1 >= ${rule.lockAfter}::int THEN (${lockUntil}::timestamptz AT TIME ZONE 'UTC') END
                           WHEN t."failures" + 1 >= ${rule.lockAfter}::int
                           THEN GREATEST(t."lockedUntil", (${lockUntil}::timestamptz AT TIME ZONE 'UTC'))
                           ELSE t."lockedUntil" END,
      "updatedAt" = (${nowTs}::timestamptz AT TIME ZONE 'UTC')
    RETURNING "failures",
              (EXTRACT(EPOCH FROM "windowStart") * 1000)::float8 AS "windowStart",
              (EXTRACT(EPOCH FROM "lockedUntil") * 1000)::float8 AS "lockedUntil"`;
  const row = rows[0];
  if (!row) throw new Error("recording a failed sign-in returned no row");
  return row;
}

/** Forgets a key's failures (a successful sign-in for its email). */
export async function clearFailures(db: PrismaClient, key: string): Promise<void> {
  await db.$executeRaw`DELETE FROM "SignInThrottle" WHERE "key" = ${key}`;
}

/** Deletes rows untouched for a day (their windows and locks are long over); at most `limit` per call. */
export async function pruneThrottle(db: PrismaClient, now: number, limit = 500): Promise<number> {
  const floor = ts(now - 24 * 60 * 60_000);
  return db.$executeRaw`
    DELETE FROM "SignInThrottle" WHERE "key" IN (
      SELECT "key" FROM "SignInThrottle" WHERE "updatedAt" < (${floor}::timestamptz AT TIME ZONE 'UTC') LIMIT ${limit}::int)`;
}

export type SignInOutcome = { ok: true; user: UserSummary } | { ok: false; reason: "invalid" } | { ok: false; reason: "locked"; retryAfterS: number };

export interface ThrottledSignInOptions {
  db?: PrismaClient;
  policy?: ThrottlePolicy;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Email + password sign-in under the brute-force limits. A locked email or address is refused
 * with the seconds until it may try again (the password is not checked); otherwise the attempt
 * waits its delay, is checked, and a failure is counted for the email and the address (the
 * failure that reaches a lock is answered with that lock). Success clears the email's count.
 * Unknown emails are counted like known ones, so the answers do not tell them apart.
 */
export async function signInWithThrottle(
  credentials: Credentials,
  clientAddress: string | undefined,
  options: ThrottledSignInOptions = {},
): Promise<SignInOutcome> {
  const db = options.db ?? getDb();
  const policy = options.policy ?? DEFAULT_THROTTLE_POLICY;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const keys: { key: string; rule: ThrottleRule }[] = [{ key: throttleKey("email", credentials.email), rule: policy.email }];
  if (clientAddress) keys.push({ key: throttleKey("address", clientAddress), rule: policy.address });

  const states = await readStates(
    db,
    keys.map((k) => k.key),
  );
  const t = now();
  const before = combineDecisions(keys.map((k) => throttleDecision(states.get(k.key) ?? null, k.rule, policy, t)));
  if (before.kind === "locked") return { ok: false, reason: "locked", retryAfterS: Math.ceil(before.retryAfterMs / 1000) };
  if (before.delayMs > 0) await sleep(before.delayMs);

  const user = await authenticateUser(credentials, db);
  const at = now();
  if (user) {
    await clearFailures(db, keys[0]!.key);
    return { ok: true, user };
  }
  const after = await Promise.all(keys.map((k) => recordFailure(db, k.key, k.rule, policy, at)));
  // Old rows are removed as failures come in, so the table stays as small as the recent attacks.
  await pruneThrottle(db, at, 50);
  const locked = combineDecisions(after.map((s, i) => throttleDecision(s, keys[i]!.rule, policy, at)));
  if (locked.kind === "locked") return { ok: false, reason: "locked", retryAfterS: Math.ceil(locked.retryAfterMs / 1000) };
  return { ok: false, reason: "invalid" };
}
