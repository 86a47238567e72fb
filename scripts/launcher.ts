/**
 * What the launch scripts (with-db, demo, dev, start, db:migrate) share: reach a database
 * (DATABASE_URL, else the embedded PGlite), optionally migrate it, and run a child command in its
 * own process group with signals forwarded.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { constants as osConstants } from "node:os";
import { applyMigrations } from "@/lib/db/migrate";
import { EMBEDDED_POOL_MAX, startEmbeddedDatabase, type EmbeddedDatabase } from "@/lib/db/embedded";

export interface OpenedDatabase {
  /** Connection string to give to clients. */
  readonly url: string;
  /** The embedded server when DATABASE_URL was not set. */
  readonly embedded?: EmbeddedDatabase;
  /** Environment for child processes: DATABASE_URL, and DATABASE_POOL_MAX for the embedded server. */
  readonly childEnv: Record<string, string>;
  /** Stops the embedded database if one was started (no-op for DATABASE_URL). */
  stop(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations before returning. */
  migrate?: boolean;
  /** Data directory for the embedded database (default PROMPTDECK_DATA_DIR or `.data`). */
  dataDir?: string;
  /** Progress messages (default console.log with a prefix). */
  log?: (message: string) => void;
}

const defaultLog = (message: string) => console.log(`[db] ${message}`);

/**
 * DATABASE_URL when set, otherwise the embedded PGlite in the data directory (signals are left
 * to the caller, who must call stop()). With `migrate`, applies pending migrations.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const log = options.log ?? defaultLog;
  const external = process.env.DATABASE_URL;
  let opened: OpenedDatabase;
  if (external) {
    opened = { url: external, childEnv: { DATABASE_URL: external }, stop: async () => {} };
  } else {
    const started = Date.now();
    const embedded = await startEmbeddedDatabase({ dataDir: options.dataDir, handleSignals: false });
    log(`embedded PostgreSQL (PGlite) from ${embedded.dataDir} on ${embedded.url} in ${Date.now() - started} ms`);
    const poolMax = Math.min(Number(process.env.DATABASE_POOL_MAX ?? EMBEDDED_POOL_MAX), Math.floor(embedded.maxConnections / 4));
    opened = {
      url: embedded.url,
      embedded,
      childEnv: { DATABASE_URL: embedded.url, DATABASE_POOL_MAX: String(poolMax) },
      stop: () => embedded.stop(),
    };
  }
  if (options.migrate) {
    try {
      await migrateAndReport(opened.url, log);
    } catch (error) {
      await opened.stop();
      throw error;
    }
  }
  return opened;
}

/** Applies pending migrations and logs what happened. */
export async function migrateAndReport(url: string, log: (message: string) => void = defaultLog): Promise<string[]> {
  const started = Date.now();
  const applied = await applyMigrations(url);
  const took = Date.now() - started;
  log(applied.length ? `applied ${applied.length} migration(s) in ${took} ms: ${applied.join(", ")}` : `schema up to date (${took} ms)`);
  return applied;
}

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Aborting it sends SIGTERM to the child's whole group (e.g. a background build no longer wanted). */
  signal?: AbortSignal;
}

/**
 * Runs `command args` in its own process group (detached), forwarding SIGINT/SIGTERM/SIGHUP to
 * the whole group (a second signal kills it). When the child exits, anything left in its group
 * (e.g. next-server workers) is sent SIGTERM.
 * @returns the child's exit code (128 + signal number when it was killed by a signal)
 */
export function runInProcessGroup(command: string, args: string[], options: ChildOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: "inherit",
      detached: true,
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    let signalled = 0;
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // group already gone
      }
    };
    const forward = (signal: NodeJS.Signals) => {
      signalled += 1;
      killGroup(signalled > 1 ? "SIGKILL" : signal);
    };
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const signal of signals) process.on(signal, forward);
    const onAbort = () => killGroup("SIGTERM");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const cleanup = () => {
      for (const signal of signals) process.off(signal, forward);
      options.signal?.removeEventListener("abort", onAbort);
    };
    child.once("error", (error) => {
      cleanup();
      reject(error);
    });
    child.once("exit", (code, signal) => {
      cleanup();
      killGroup("SIGTERM");
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? (osConstants.signals[signal] ?? 1) : 1));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// App launch helpers shared by scripts/demo.ts, dev.ts and start.ts
// ---------------------------------------------------------------------------------------------

export interface DemoLogin {
  adminEmail: string;
  viewerEmail: string;
  password: string;
  apiKey: string;
  projectSlug: string;
}

/**
 * Seeds the demo data (prisma/seed.ts#seedDemo) into `url` when the database has no users.
 * Uses its own small client and closes it before returning (the embedded server's connections
 * are counted).
 * @returns the demo logins when it seeded, `null` when the database already had users
 */
export async function seedDemoIfEmpty(url: string, log: (message: string) => void = defaultLog): Promise<DemoLogin | null> {
  const [{ createPrismaClient }, seedModule] = await Promise.all([
    import("@/lib/db/client"),
    import("@/prisma/seed").catch((error: unknown) => {
      throw new Error(`The demo seed (prisma/seed.ts exporting seedDemo) could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
    }),
  ]);
  if (typeof seedModule.seedDemo !== "function") {
    throw new Error("prisma/seed.ts does not export seedDemo(); cannot seed the demo data.");
  }
  const db = createPrismaClient(url, 2);
  try {
    const users = await db.user.count();
    if (users > 0) {
      log(`database already has ${users} user(s); not seeding`);
      return null;
    }
    const started = Date.now();
    const login = await seedModule.seedDemo(db);
    log(`seeded the demo data in ${Date.now() - started} ms`);
    return login;
  } finally {
    await db.$disconnect();
  }
}

/** Prints the demo logins (the seed's fixed values; the API key is demo-only). */
export function printDemoLogins(login: DemoLogin, baseUrl: string): void {
  console.log(
    [
      "",
      `  Promptdeck is running at ${baseUrl}`,
      `  project:  ${baseUrl}/p/${login.projectSlug}`,
      `  admin:    ${login.adminEmail} / ${login.password}`,
      `  viewer:   ${login.viewerEmail} / ${login.password}`,
      `  API key:  ${login.apiKey}  (demo only)`,
      "",
    ].join("\n"),
  );
}

/** The demo logins without seeding (for a database that was seeded on an earlier run). */
export async function knownDemoLogins(): Promise<DemoLogin | null> {
  try {
    const seed = await import("@/prisma/seed");
    return {
      adminEmail: seed.DEMO_ADMIN_EMAIL,
      viewerEmail: seed.DEMO_VIEWER_EMAIL,
      password: seed.DEMO_PASSWORD,
      apiKey: seed.demoApiKey(),
      projectSlug: seed.DEMO_PROJECT_SLUG,
    };
  } catch {
    return null;
  }
}

/**
 * Polls `GET <baseUrl>/api/health` until it answers 200 or `timeoutMs` passes.
 * @returns whether the app became healthy
 */
export async function waitForHealthy(baseUrl: string, timeoutMs = 120_000, isAlive: () => boolean = () => true): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive()) {
    try {
      const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(5000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/**
 * How to serve the app: the custom server `server.ts` (the front with the lean /api/v1 handler, Next in its web process) when the
 * project has one, run as a single `node --import tsx` process so group signals reach it once;
 * otherwise plain `next start`/`next dev`. PORT comes from the environment.
 */
export function appServerCommand(projectRoot: string, mode: "production" | "dev", port: number): { command: string; args: string[] } {
  if (existsSync(path.join(projectRoot, "server.ts"))) {
    return { command: process.execPath, args: ["--import", "tsx", "server.ts", ...(mode === "dev" ? ["--dev"] : [])] };
  }
  return {
    command: path.join(projectRoot, "node_modules", ".bin", "next"),
    args: [mode === "dev" ? "dev" : "start", "-p", String(port)],
  };
}
