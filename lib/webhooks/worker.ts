import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db/client";
import { envVar } from "@/lib/env";
import { isConnectionFailure } from "@/lib/errors/unavailable";
import { JobQueue, type JobQueueOptions } from "@/lib/jobs/queue";
import { childLogger } from "@/lib/logger";
import { TEST_EVENT_TYPE } from "@/lib/prompts/notify";
import { ChangeFeed } from "@/lib/serving/change-feed";
import { DELIVERY_WINDOW_MS, nextRetryAt, type BackoffOptions } from "./backoff";
import { registerWebhookWake } from "./endpoints";
import { deliveryBody, type WebhookEnvelope } from "./format";
import { postWebhook, type PostLimits, type PostOptions } from "./http-post";
import type { WebhookFormat } from "./schemas";
import { DELIVERY_ID_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader, signingSecrets } from "./signing";

const log = childLogger({ component: "webhook-worker" });

export const WEBHOOK_DELIVERY_QUEUE = "webhook-delivery";

export interface WebhookJob {
  deliveryId: string;
}

/** The durable queue of webhook deliveries: one job = one attempt of one delivery (its singleton key). */
export class WebhookQueue extends JobQueue<WebhookJob> {
  constructor(options: JobQueueOptions) {
    // An attempt takes 15 s at most (the total timeout); a job active for 2 minutes had its worker die.
    super({ name: WEBHOOK_DELIVERY_QUEUE, key: (job) => job.deliveryId, expireInSeconds: 120, retryLimit: 10, retryDelaySeconds: 10 }, options);
  }
}

/** Characters of an attempt's error kept in the log. */
const ERROR_CHARS = 500;

export interface AttemptOptions {
  allowPrivate?: boolean;
  /** Failed attempts in a row after which the endpoint is disabled (default PROMPTDECK_WEBHOOK_DISABLE_AFTER, 20). */
  disableAfter?: number;
  backoff?: BackoffOptions;
  limits?: PostLimits;
  resolve?: PostOptions["resolve"];
  now?: () => Date;
}

export type AttemptOutcome =
  | { outcome: "succeeded"; status: number }
  | { outcome: "retry"; at: Date; error: string }
  | { outcome: "failed"; error: string }
  | { outcome: "skipped"; why: string };

/**
 * One attempt of one delivery: loads it, claims the attempt (a concurrent worker's claim of the
 * same attempt loses), signs the body (`t=<now>,v1=HMAC-SHA256(secret, "${t}.${body}")`), POSTs
 * it under the SSRF guard and limits, and stores the attempt in the delivery log in one
 * transaction with the delivery's new state and the endpoint's failure count: a success resets
 * it; a failure schedules the next attempt (exponential backoff with jitter) unless the 24-hour
 * window is over, and disables the endpoint at `disableAfter` failures in a row. A test event gets
 * one attempt and does not count. At-least-once: a crash between the POST and the store repeats
 * the attempt, with the same event id.
 */
export async function attemptDelivery(deliveryId: string, options: AttemptOptions = {}): Promise<AttemptOutcome> {
  const db = getDb();
  const now = options.now ?? (() => new Date());
  const row = await db.webhookDelivery.findUnique({
    where: { id: deliveryId },
    include: { endpoint: true, event: { include: { project: { select: { id: true, slug: true, name: true } } } } },
  });
  if (!row) return { outcome: "skipped", why: "no such delivery" };
  if (row.status !== "pending") return { outcome: "skipped", why: `already ${row.status}` };
  const { endpoint, event } = row;
  if (!endpoint.enabled) {
    // Kept pending: enabling the endpoint again re-queues it (within its window).
    await db.webhookDelivery.update({ where: { id: row.id }, data: { queuedAt: null } });
    return { outcome: "skipped", why: "endpoint disabled" };
  }
  const isTest = event.type === TEST_EVENT_TYPE;
  const windowMs = options.backoff?.windowMs ?? DELIVERY_WINDOW_MS;
  if (now().getTime() > row.createdAt.getTime() + windowMs) {
    const error = `not delivered within ${Math.round(windowMs / 3_600_000)} hours`;
    await db.webhookDelivery.updateMany({
      where: { id: row.id, status: "pending" },
      data: { status: "failed", completedAt: now(), lastError: error, queuedAt: null },
    });
    return { outcome: "failed", error };
  }
  const claimed = await db.webhookDelivery.updateMany({
    where: { id: row.id, status: "pending", attempts: row.attempts },
    data: { attempts: { increment: 1 }, lastAttemptAt: now() },
  });
  if (claimed.count === 0) return { outcome: "skipped", why: "attempted by another worker" };
  const number = row.attempts + 1;

  const envelope: WebhookEnvelope = {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    project: event.project,
    data: (event.data ?? {}) as Record<string, unknown>,
  };
  const body = deliveryBody(endpoint.format as WebhookFormat, envelope);
  const signedAt = now();
  const timestamp = Math.floor(signedAt.getTime() / 1000);
  const result = await postWebhook(
    endpoint.url,
    body,
    {
      [SIGNATURE_HEADER]: signatureHeader(signingSecrets(endpoint, signedAt), timestamp, body),
      [EVENT_ID_HEADER]: event.id,
      [EVENT_TYPE_HEADER]: event.type,
      [DELIVERY_ID_HEADER]: row.id,
      "Promptdeck-Attempt": String(number),
    },
    { allowPrivate: options.allowPrivate ?? envVar("PROMPTDECK_WEBHOOK_ALLOW_PRIVATE"), resolve: options.resolve, ...options.limits },
  );
  const error = result.error?.slice(0, ERROR_CHARS) ?? null;
  const at = now();
  const retryAt = result.ok || isTest ? null : nextRetryAt(row.createdAt, number, at, options.backoff);
  const disableAfter = options.disableAfter ?? envVar("PROMPTDECK_WEBHOOK_DISABLE_AFTER");

  await db.$transaction(async (tx) => {
    await tx.webhookAttempt.create({
      data: { deliveryId: row.id, number, at, httpStatus: result.status, ok: result.ok, latencyMs: result.latencyMs, error, response: result.excerpt },
    });
    await tx.webhookDelivery.update({
      where: { id: row.id },
      data: {
        status: result.ok ? "succeeded" : retryAt ? "pending" : "failed",
        ...(retryAt ? { nextAttemptAt: retryAt } : { completedAt: at }),
        // The handler (or the sweep) queues the retry's job.
        queuedAt: null,
        lastStatus: result.status,
        lastLatencyMs: result.latencyMs,
        lastError: error,
        lastResponse: result.excerpt,
        lastAttemptAt: at,
      },
    });
    if (isTest) return;
    if (result.ok) {
      if (endpoint.consecutiveFailures !== 0) await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { consecutiveFailures: 0 } });
      return;
    }
    const reason = `disabled after ${disableAfter} failed attempts in a row (last: ${error ?? "failed"})`.slice(0, 1000);
    const [updated] = await tx.$queryRaw<Array<{ enabled: boolean; disabled_now: boolean }>>`
      UPDATE "WebhookEndpoint" SET
        "consecutiveFailures" = "consecutiveFailures" + 1,
        "enabled" = "enabled" AND "consecutiveFailures" + 1 < ${disableAfter},
        "disabledAt" = CASE WHEN "enabled" AND "consecutiveFailures" + 1 >= ${disableAfter} THEN ${at} ELSE "disabledAt" END,
        "disabledReason" = CASE WHEN "enabled" AND "consecutiveFailures" + 1 >= ${disableAfter} THEN ${reason} ELSE "disabledReason" END,
        "updatedAt" = ${at}
      WHERE "id" = ${endpoint.id}
      RETURNING "enabled", ("disabledAt" = ${at}) AS disabled_now`;
    if (updated && !updated.enabled && updated.disabled_now) {
      await tx.auditEvent.create({
        data: {
          projectId: endpoint.projectId,
          actorId: null,
          actorLabel: "system:webhooks",
          action: "webhook.disabled",
          targetType: "webhook_endpoint",
          targetId: endpoint.id,
          after: { reason },
        },
      });
      log.warn({ endpointId: endpoint.id, url: endpoint.url }, reason);
    }
  });
  if (result.ok) return { outcome: "succeeded", status: result.status! };
  if (retryAt) return { outcome: "retry", at: retryAt, error: error ?? "failed" };
  return { outcome: "failed", error: error ?? "failed" };
}

export interface WebhookWorkerOptions extends AttemptOptions {
  connectionString: string;
  /** Deliveries attempted at once by this process (default 4). */
  concurrency?: number;
  /** How often pending deliveries without a job are queued (default 2 s); a change notification or wakeWebhookWorker() does it at once. */
  sweepMs?: number;
  pollingIntervalSeconds?: number;
  /** Listen on the change feed to queue new deliveries as soon as their transaction commits (default true). */
  listen?: boolean;
}

/**
 * The webhook delivery worker a server process owns (registered in lib/runtime/process.ts, stage
 * "services"). Deliveries are rows (WebhookDelivery) written with their event in the change's
 * transaction (lib/prompts/notify.ts recordProjectEvent); the sweep queues each pending row
 * without a job on the pg-boss queue (at its due time), the job makes one attempt and queues the
 * retry. The change feed (the notification every publish and label move sends on commit) and
 * wakeWebhookWorker() trigger a sweep at once. start() never fails the process: with the
 * database down or not migrated it logs and retries at each sweep.
 */
export class WebhookWorker {
  readonly queue: WebhookQueue;
  private feed: ChangeFeed | undefined;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private working = false;
  private sweeping: Promise<void> | null = null;
  private again = false;

  constructor(private readonly options: WebhookWorkerOptions) {
    this.queue = new WebhookQueue({ connectionString: options.connectionString, max: 2, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 });
  }

  get running(): boolean {
    return this.working;
  }

  async start(): Promise<void> {
    this.stopped = false;
    registerWebhookWake(() => this.wake());
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.sweepMs ?? 2_000);
    this.timer.unref();
    if (this.options.listen ?? true) {
      this.feed = new ChangeFeed(
        { connectionString: this.options.connectionString, mode: "listen", log: (m) => log.debug(m) },
        {
          onChange: () => this.wake(),
          onReset: () => this.wake(),
          onHealth: () => {},
        },
      );
      await this.feed.start();
    }
  }

  /** Sweeps soon (coalesced with a sweep in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.sweeping) {
      this.again = true;
      return;
    }
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.sweeping) return;
    this.sweeping = (async () => {
      do {
        this.again = false;
        try {
          if (!this.working) {
            await this.queue.start();
            await this.queue.work((job) => this.handle(job), this.options.concurrency ?? 4);
            this.working = true;
            log.info("webhook worker started");
          }
          await this.sweep();
        } catch (error) {
          log.warn({ err: error }, "webhook worker: database not ready; retrying later");
          this.again = false;
        }
      } while (this.again && !this.stopped);
    })();
    try {
      await this.sweeping;
    } finally {
      this.sweeping = null;
    }
  }

  /**
   * Queues pending deliveries of enabled endpoints that have no job (new ones, retries whose
   * handler stopped before queuing them, jobs lost with a dead worker: queued over 5 minutes ago
   * and overdue by 5). Returns how many it looked at.
   */
  async sweep(): Promise<number> {
    const db = getDb();
    const rows = await db.$queryRaw<Array<{ id: string; next_attempt_at: Date }>>`
      SELECT d."id", d."nextAttemptAt" AS next_attempt_at
      FROM "WebhookDelivery" d JOIN "WebhookEndpoint" e ON e."id" = d."endpointId"
      WHERE d."status" = 'pending' AND e."enabled"
        AND (d."queuedAt" IS NULL OR (d."queuedAt" < now() - interval '5 minutes' AND d."nextAttemptAt" < now() - interval '5 minutes'))
      ORDER BY d."nextAttemptAt" LIMIT 500`;
    for (const row of rows) {
      if (this.stopped) break;
      await this.queue.send({ deliveryId: row.id }, { startAfter: row.next_attempt_at });
      await db.webhookDelivery.update({ where: { id: row.id }, data: { queuedAt: new Date() } });
    }
    return rows.length;
  }

  private async handle(job: PgBoss.Job<WebhookJob>): Promise<void> {
    const { deliveryId } = job.data;
    let outcome: AttemptOutcome;
    try {
      outcome = await attemptDelivery(deliveryId, this.options);
    } catch (error) {
      if (isConnectionFailure(error)) throw error; // pg-boss retries the job later
      log.error({ err: error, deliveryId }, "webhook delivery attempt failed unexpectedly");
      return;
    }
    if (outcome.outcome === "retry" && !this.stopped) {
      await this.queue.send({ deliveryId }, { startAfter: outcome.at });
      await getDb().webhookDelivery.update({ where: { id: deliveryId }, data: { queuedAt: new Date() } });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    registerWebhookWake(undefined);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.feed?.stop();
    await this.sweeping?.catch(() => undefined);
    await this.queue.stop();
    this.working = false;
  }
}
