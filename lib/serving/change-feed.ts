import { randomUUID } from "node:crypto";
import pg from "pg";
import { childLogger } from "@/lib/logger";
import { PROMPT_CHANGED_CHANNEL, parsePromptChangedPayload } from "@/lib/prompts/notify";

const log = childLogger({ component: "change-feed" });

export interface ChangeFeedHandlers {
  /** A prompt's served versions may have changed. */
  onChange(projectId: string, name: string): void;
  /** Changes may have been missed (reconnected after an outage in listen mode): drop everything. */
  onReset(): void;
  /** Whether changes are currently being observed. */
  onHealth(healthy: boolean): void;
}

export type ChangeFeedMode = "listen" | "poll";

export interface ChangeFeedOptions {
  connectionString: string;
  /**
   * "auto" (default) LISTENs and checks with a test notification that notifications really
   * arrive; when they do not (PGlite served through pglite-socket does not forward them) it polls
   * a per-prompt fingerprint instead.
   */
  mode?: "auto" | ChangeFeedMode;
  /** Poll period in poll mode. Default 250 ms. */
  pollIntervalMs?: number;
  /** How long the startup self-test waits for its own notification. Default 1 s. */
  selfTestTimeoutMs?: number;
  /** Delay between reconnect attempts. Default 1 s. */
  reconnectDelayMs?: number;
  /** Connect timeout. Default 3 s. */
  connectTimeoutMs?: number;
  log?: (message: string) => void;
}

// One row per prompt: what it serves (published version count, label -> version mapping). Any
// publish or label move changes the row; this is state, not a log, so nothing is missed across
// outages or commit-order races. It must never repeat an earlier value: a label moved away and
// back between two polls (A -> B -> A) would look unchanged, while a cache may have loaded B in
// between; the label row's id and updatedAt make every move visible.
const FINGERPRINT_SQL = `
SELECT p."projectId" AS project_id, p."name" AS name,
  (SELECT count(*) FROM "PromptVersion" v WHERE v."promptId" = p."id" AND v."status" = 'PUBLISHED')::text || '|' ||
  COALESCE((SELECT string_agg(l."name" || '=' || l."versionId" || '@' || l."id" || ':' || l."updatedAt"::text, ',' ORDER BY l."name") FROM "Label" l WHERE l."promptId" = p."id"), '')
  AS fingerprint
FROM "Prompt" p`;

/**
 * Watches the database for prompt changes (publish, label move) so every app instance can drop
 * its cached copies at once. Uses one dedicated `pg` connection (not the Prisma pool). Reconnects
 * forever until `stop()`.
 */
export class ChangeFeed {
  private client: pg.Client | undefined;
  private stopped = false;
  private healthy = false;
  private resolvedMode: ChangeFeedMode | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private fingerprints: Map<string, { projectId: string; name: string; fingerprint: string }> | undefined;
  private readonly selfTestToken = `selftest:${randomUUID()}`;
  private selfTestResolve: (() => void) | undefined;
  private readonly log: (message: string) => void;

  constructor(
    private readonly options: ChangeFeedOptions,
    private readonly handlers: ChangeFeedHandlers,
  ) {
    this.log = options.log ?? ((m) => log.info(m));
  }

  /** The mode in use once started ("listen" or "poll"); undefined before the first connect. */
  get mode(): ChangeFeedMode | undefined {
    return this.resolvedMode;
  }

  get isHealthy(): boolean {
    return this.healthy;
  }

  /** Connects (retrying in the background if the database is down) and resolves after the first attempt. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private setHealthy(healthy: boolean): void {
    if (this.healthy === healthy) return;
    this.healthy = healthy;
    this.handlers.onHealth(healthy);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 3000,
      keepAlive: true,
    });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    client.on("notification", (message) => {
      if (message.channel !== PROMPT_CHANGED_CHANNEL) return;
      if (message.payload === this.selfTestToken) {
        this.selfTestResolve?.();
        return;
      }
      const change = parsePromptChangedPayload(message.payload);
      if (change) this.handlers.onChange(change.projectId, change.name);
    });
    try {
      await client.connect();
      this.client = client;
      const mode = this.resolvedMode ?? (await this.detectMode(client));
      const reconnected = this.resolvedMode !== undefined;
      this.resolvedMode = mode;
      if (mode === "listen") {
        await client.query(`LISTEN ${PROMPT_CHANGED_CHANNEL}`);
        // Notifications sent while we were away are lost: everything cached is suspect.
        if (reconnected) this.handlers.onReset();
        this.setHealthy(true);
      } else {
        await this.poll();
      }
    } catch (error) {
      this.log(`change feed: cannot connect (${error instanceof Error ? error.message : String(error)}); retrying`);
      this.lost(client);
    }
  }

  private async detectMode(client: pg.Client): Promise<ChangeFeedMode> {
    const wanted = this.options.mode ?? "auto";
    if (wanted !== "auto") return wanted;
    await client.query(`LISTEN ${PROMPT_CHANGED_CHANNEL}`);
    const arrived = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.options.selfTestTimeoutMs ?? 1000);
      this.selfTestResolve = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    // From another connection, as a real publish would be.
    const sender = new pg.Client({ connectionString: this.options.connectionString, connectionTimeoutMillis: 3000 });
    try {
      await sender.connect();
      await sender.query("SELECT pg_notify($1, $2)", [PROMPT_CHANGED_CHANNEL, this.selfTestToken]);
    } finally {
      await sender.end().catch(() => {});
    }
    const ok = await arrived;
    this.selfTestResolve = undefined;
    if (!ok) {
      await client.query(`UNLISTEN ${PROMPT_CHANGED_CHANNEL}`);
      this.log(
        `change feed: watching prompt changes by polling every ${this.options.pollIntervalMs ?? 250} ms (this database does not deliver LISTEN/NOTIFY between connections, as with the embedded PGlite; expected, nothing to fix)`,
      );
    }
    return ok ? "listen" : "poll";
  }

  private async poll(): Promise<void> {
    const client = this.client;
    if (this.stopped || !client) return;
    try {
      const result = await client.query<{ project_id: string; name: string; fingerprint: string }>(FINGERPRINT_SQL);
      const next = new Map<string, { projectId: string; name: string; fingerprint: string }>();
      for (const row of result.rows)
        next.set(`${row.project_id}\u0000${row.name}`, { projectId: row.project_id, name: row.name, fingerprint: row.fingerprint });
      const previous = this.fingerprints;
      if (previous) {
        for (const [key, now] of next) {
          if (previous.get(key)?.fingerprint !== now.fingerprint) this.handlers.onChange(now.projectId, now.name);
        }
        for (const [key, was] of previous) if (!next.has(key)) this.handlers.onChange(was.projectId, was.name);
      }
      this.fingerprints = next;
      this.setHealthy(true);
      this.pollTimer = setTimeout(() => void this.poll(), this.options.pollIntervalMs ?? 250);
    } catch {
      this.lost(client);
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== undefined && this.client !== client) return;
    if (this.reconnectTimer !== undefined && this.client === undefined) return;
    this.client = undefined;
    clearTimeout(this.pollTimer);
    client.end().catch(() => {});
    this.setHealthy(false);
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.options.reconnectDelayMs ?? 1000);
  }
}
