// Webhook deliveries end to end against real PostgreSQL and a local HTTP receiver: a label move
// delivers a correctly signed event; a failing receiver is retried with backoff until it
// succeeds; a worker stopped mid-queue leaves the delivery to the next one (same event id); an
// endpoint failing repeatedly is disabled; internal addresses are refused at save and at connect
// time unless allowed; test events and redeliveries.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { createExperiment, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { moveLabel, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import { createWebhookEndpoint, redeliverWebhook, sendTestEvent, updateWebhookEndpoint } from "@/lib/webhooks/endpoints";
import { verifyWebhookSignature } from "@/lib/webhooks/signing";
import { WebhookWorker, type WebhookWorkerOptions } from "@/lib/webhooks/worker";
import { makeTestProject, publishPrompt, simpleContent, sleep, type TestProject } from "./serving-helpers";

interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1: records every request; `respond` decides the status (default 200). */
async function startReceiver(respond: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = respond(received.length);
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "thanks" : `nope ${received.length}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    respond: (fn: (n: number) => number) => (respond = fn),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let fx: TestProject;
let promptId: string;
const workers: WebhookWorker[] = [];
const receivers: Array<{ close(): Promise<void> }> = [];

function worker(options: Partial<WebhookWorkerOptions> = {}): WebhookWorker {
  const w = new WebhookWorker({
    connectionString: process.env.DATABASE_URL!,
    sweepMs: 250,
    pollingIntervalSeconds: 0.5,
    allowPrivate: true,
    backoff: { baseMs: 600 },
    ...options,
  });
  workers.push(w);
  return w;
}

async function receiver(respond?: (n: number) => number) {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  process.env.PROMPTDECK_WEBHOOK_ALLOW_PRIVATE = "1";
  fx = await makeTestProject();
  promptId = await publishPrompt(fx.admin, "hooked", [simpleContent("v1"), simpleContent("v2")], ["production"]);
}, 60_000);

afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop();
  // Endpoints of one test must not receive the next test's events.
  await getDb().webhookEndpoint.deleteMany({ where: { projectId: fx.projectId } });
});

afterAll(async () => {
  for (const r of receivers) await r.close();
  delete process.env.PROMPTDECK_WEBHOOK_ALLOW_PRIVATE;
});

async function versionIds(): Promise<string[]> {
  const rows = await getDb().promptVersion.findMany({ where: { promptId, status: "PUBLISHED" }, orderBy: { publishedAt: "asc" }, select: { id: true } });
  return rows.map((r) => r.id);
}

describe("webhook deliveries", () => {
  it("a label move reaches the receiver signed, with its event id", async () => {
    const r = await receiver();
    const { secret, endpointId } = await createWebhookEndpoint(fx.admin, { url: r.url, events: ["label.moved"] });
    await worker().start();
    const [v1] = await versionIds();
    await moveLabel(fx.admin, { promptId, label: "production", versionId: v1!, reason: "webhook test" });
    const got = await until(() => r.received[0], "the delivery");
    const check = verifyWebhookSignature(got.headers["promptdeck-signature"] as string, got.body, secret);
    expect(check.ok, JSON.stringify(check)).toBe(true);
    const body = JSON.parse(got.body) as { id: string; type: string; project: { id: string }; data: Record<string, unknown> };
    expect(body.type).toBe("label.moved");
    expect(got.headers["promptdeck-event-id"]).toBe(body.id);
    expect(got.headers["promptdeck-event-type"]).toBe("label.moved");
    expect(body.project.id).toBe(fx.projectId);
    expect(body.data).toMatchObject({ prompt: "hooked", promptId, label: "production", version: "1.0.0", versionId: v1, reason: "webhook test" });
    const [, v2] = await versionIds();
    expect(body.data.previousVersionId).toBe(v2);
    expect(body.data.previousVersion).toMatch(/^1\.0\.[1-9]$/);
    // Signed with another secret, the same request fails verification.
    expect(verifyWebhookSignature(got.headers["promptdeck-signature"] as string, got.body, "whsec_wrong").ok).toBe(false);
    const delivery = await until(
      async () => (await getDb().webhookDelivery.findMany({ where: { endpointId, status: "succeeded" }, include: { attemptLog: true } }))[0],
      "the delivery to be stored as succeeded",
    );
    expect(delivery.attempts).toBe(1);
    expect(delivery.attemptLog).toHaveLength(1);
    expect(delivery.attemptLog[0]).toMatchObject({ httpStatus: 200, ok: true, response: "thanks" });
    // Only subscribed types are delivered: a publish (version.published) was not.
    expect(r.received.map((x) => x.headers["promptdeck-event-type"])).toEqual(["label.moved"]);
  });

  it("the event exists only if the change commits", async () => {
    const r = await receiver();
    await createWebhookEndpoint(fx.admin, { url: r.url, events: ["label.moved"] });
    const before = await getDb().projectEvent.count({ where: { projectId: fx.projectId } });
    // Moving to a version of another prompt fails inside the transaction: nothing recorded.
    await expect(moveLabel(fx.admin, { promptId, label: "production", versionId: "no-such-version" })).rejects.toBeInstanceOf(AppError);
    expect(await getDb().projectEvent.count({ where: { projectId: fx.projectId } })).toBe(before);
  });

  it("experiment transitions record experiment.started, .paused and .completed in their transaction", async () => {
    const r = await receiver();
    await createWebhookEndpoint(fx.admin, { url: r.url, events: ["experiment.started", "experiment.paused", "experiment.completed"] });
    await worker().start();
    const published = await getDb().promptVersion.findMany({ where: { promptId, status: "PUBLISHED" }, orderBy: { publishedAt: "asc" } });
    const versions = published.slice(0, 2).map((v) => `${v.major}.${v.minor}.${v.patch}`);
    const exp = await createExperiment(
      fx.admin,
      createExperimentSchema.parse({
        prompt: "hooked",
        label: "production",
        name: "hooked-exp",
        primaryMetric: "latency",
        variants: versions.map((version) => ({ version, weight: 50 })),
      }),
    );
    await transitionExperiment(fx.admin, exp.id, "start");
    await transitionExperiment(fx.admin, exp.id, "pause");
    await transitionExperiment(fx.admin, exp.id, "resume");
    await transitionExperiment(fx.admin, exp.id, "complete");
    await until(() => r.received.length >= 3, "three experiment events");
    const bodies = r.received.map(
      (x) => JSON.parse(x.body) as { type: string; data: { experiment: { id: string; name: string }; label: string; status: string } },
    );
    // Delivery order is not guaranteed (each is its own job): compare as a set. Resume is not an event.
    expect(bodies.map((b) => b.type).sort()).toEqual(["experiment.completed", "experiment.paused", "experiment.started"]);
    for (const b of bodies) expect(b.data).toMatchObject({ experiment: { id: exp.id, name: "hooked-exp" }, label: "production" });
    expect(bodies.find((b) => b.type === "experiment.completed")!.data.status).toBe("COMPLETED");
  });

  it("a failing receiver is retried with backoff until it succeeds", async () => {
    const r = await receiver((n) => (n <= 2 ? 503 : 200));
    const { secret, endpointId } = await createWebhookEndpoint(fx.admin, { url: r.url, events: ["version.published"] });
    await worker().start();
    await saveDraft(fx.admin, { promptId, content: simpleContent("v3") });
    await publishDraft(fx.admin, { promptId, changelog: "third" });
    await until(() => r.received.length >= 3, "three attempts");
    const [a, b, c] = r.received as [Received, Received, Received];
    // One event, the same id on every attempt; each attempt signed afresh.
    expect(new Set(r.received.map((x) => x.headers["promptdeck-event-id"])).size).toBe(1);
    for (const x of r.received) expect(verifyWebhookSignature(x.headers["promptdeck-signature"] as string, x.body, secret).ok).toBe(true);
    expect(r.received.map((x) => x.headers["promptdeck-attempt"])).toEqual(["1", "2", "3"]);
    // Backoff: at least half of 0.6 s, then of 1.2 s (equal jitter).
    expect(b.at - a.at).toBeGreaterThanOrEqual(300);
    expect(c.at - b.at).toBeGreaterThanOrEqual(600);
    const delivery = await until(
      async () =>
        (await getDb().webhookDelivery.findMany({ where: { endpointId, status: "succeeded" }, include: { attemptLog: { orderBy: { number: "asc" } } } }))[0],
      "success stored",
    );
    expect(delivery.attempts).toBe(3);
    expect(delivery.attemptLog.map((x) => [x.httpStatus, x.ok])).toEqual([
      [503, false],
      [503, false],
      [200, true],
    ]);
    expect(delivery.attemptLog[0]!.response).toBe("nope 1");
    expect((await getDb().webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } })).consecutiveFailures).toBe(0);
    await sleep(1_500);
    expect(r.received).toHaveLength(3);
  });

  it("an event recorded while no worker runs, and a worker stopped mid-retry: the next worker delivers", async () => {
    const r = await receiver(() => 500);
    const { endpointId } = await createWebhookEndpoint(fx.admin, { url: r.url, events: ["label.moved"] });
    const [v1, v2] = await versionIds();
    // No worker: the outbox keeps it.
    await moveLabel(fx.admin, { promptId, label: "production", versionId: v2! });
    await sleep(500);
    expect(r.received).toHaveLength(0);
    const first = worker({ backoff: { baseMs: 4_000 } });
    await first.start();
    await until(() => r.received.length >= 1, "the first attempt");
    await until(async () => (await getDb().webhookDelivery.findFirst({ where: { endpointId, lastStatus: 500 } })) !== null, "the failure stored");
    await first.stop();
    r.respond(() => 200);
    const second = worker({ backoff: { baseMs: 4_000 } });
    await second.start();
    const delivery = await until(async () => getDb().webhookDelivery.findFirst({ where: { endpointId, status: "succeeded" } }), "the resumed delivery", 30_000);
    expect(delivery.attempts).toBe(2);
    expect(r.received).toHaveLength(2);
    expect(r.received[0]!.headers["promptdeck-event-id"]).toBe(r.received[1]!.headers["promptdeck-event-id"]);
    expect(v1).toBeDefined();
  });

  it("an endpoint that keeps failing is disabled, and enabling it delivers what is pending", async () => {
    const r = await receiver(() => 500);
    const { endpointId } = await createWebhookEndpoint(fx.admin, { url: r.url, events: ["label.moved"] });
    await worker({ disableAfter: 3, backoff: { baseMs: 300 } }).start();
    const [v1] = await versionIds();
    await moveLabel(fx.admin, { promptId, label: "production", versionId: v1! });
    const endpoint = await until(async () => getDb().webhookEndpoint.findFirst({ where: { id: endpointId, enabled: false } }), "the endpoint disabled");
    expect(endpoint.disabledReason).toMatch(/disabled after 3 failed attempts in a row \(last: HTTP 500\)/);
    expect(endpoint.consecutiveFailures).toBe(3);
    const audit = await getDb().auditEvent.findFirst({ where: { targetId: endpointId, action: "webhook.disabled" } });
    expect(audit?.actorLabel).toBe("system:webhooks");
    await sleep(1_500);
    expect(r.received).toHaveLength(3);
    // The delivery waits (pending) while the endpoint is off; enabling it delivers it.
    expect((await getDb().webhookDelivery.findFirstOrThrow({ where: { endpointId } })).status).toBe("pending");
    r.respond(() => 200);
    await updateWebhookEndpoint(fx.admin, { endpointId, url: r.url, events: ["label.moved"], format: "json", enabled: true });
    await until(async () => getDb().webhookDelivery.findFirst({ where: { endpointId, status: "succeeded" } }), "delivered after re-enabling");
    expect((await getDb().webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } })).consecutiveFailures).toBe(0);
  });

  it("refuses internal addresses at save, and at connect time when a saved name resolves inside", async () => {
    const r = await receiver();
    const noPrivate = { allowPrivate: false };
    for (const url of [
      "ftp://hooks.example.com/x",
      "http://127.0.0.1:9/x",
      "http://[::ffff:7f00:1]/",
      "http://169.254.169.254/latest/meta-data",
      "http://localhost:3000/",
    ]) {
      const error = await createWebhookEndpoint(fx.admin, { url, events: ["label.moved"] }, noPrivate).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("bad_request");
      expect((error as AppError).issues?.[0]?.path).toBe("url");
    }
    // A name resolving to loopback now is refused at save.
    const rebound = await createWebhookEndpoint(
      fx.admin,
      { url: "http://hooks.example.com/x", events: ["label.moved"] },
      { allowPrivate: false, resolve: () => Promise.resolve([{ address: "127.0.0.1", family: 4 }]) },
    ).catch((e: unknown) => e);
    expect((rebound as AppError).message).toMatch(/resolves to a loopback address 127\.0\.0\.1/);
    // Saved while allowed; delivered by a worker that does not allow it: refused, nothing sent.
    const { endpointId } = await createWebhookEndpoint(fx.admin, { url: r.url, events: ["label.moved"] });
    await worker({ allowPrivate: false }).start();
    const [v1, v2] = await versionIds();
    await moveLabel(fx.admin, { promptId, label: "production", versionId: v2! });
    const attempt = await until(async () => getDb().webhookAttempt.findFirst({ where: { delivery: { endpointId } } }), "the refused attempt");
    expect(attempt.ok).toBe(false);
    expect(attempt.httpStatus).toBeNull();
    expect(attempt.error).toMatch(/refused: loopback address 127\.0\.0\.1/);
    expect(r.received).toHaveLength(0);
    expect(v1).toBeDefined();
  });

  it("a redirect is not followed", async () => {
    const target = await receiver();
    const redirecting = http.createServer((_req, res) => res.writeHead(302, { location: target.url }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    receivers.push({ close: () => new Promise<void>((resolve) => redirecting.close(() => resolve())) });
    const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/`;
    const { endpointId } = await createWebhookEndpoint(fx.admin, { url, events: ["label.moved"] });
    await worker().start();
    const [v1] = await versionIds();
    await moveLabel(fx.admin, { promptId, label: "production", versionId: v1! });
    const attempt = await until(async () => getDb().webhookAttempt.findFirst({ where: { delivery: { endpointId } } }), "the attempt");
    expect(attempt.httpStatus).toBe(302);
    expect(attempt.error).toMatch(/redirect not followed/);
    expect(target.received).toHaveLength(0);
  });

  it("a test event and a redelivery, in the Slack format", async () => {
    const r = await receiver();
    const { endpointId } = await createWebhookEndpoint(fx.admin, { url: r.url, events: ["label.moved"], format: "slack" });
    await worker().start();
    const deliveryId = await sendTestEvent(fx.admin, endpointId);
    const got = await until(() => r.received[0], "the test event");
    expect(got.headers["promptdeck-event-type"]).toBe("webhook.test");
    const slack = JSON.parse(got.body) as { text: string; blocks: unknown[] };
    expect(slack.text).toMatch(/^Test event from Promptdeck project \*Serving /);
    expect(slack.blocks).toHaveLength(2);
    await until(async () => getDb().webhookDelivery.findFirst({ where: { id: deliveryId, status: "succeeded" } }), "stored");
    const again = await redeliverWebhook(fx.admin, deliveryId);
    expect(again).not.toBe(deliveryId);
    await until(() => r.received.length >= 2, "the redelivery");
    expect(r.received[1]!.headers["promptdeck-event-id"]).toBe(got.headers["promptdeck-event-id"]);
    expect(r.received[1]!.headers["promptdeck-delivery-id"]).toBe(again);
  });
});
