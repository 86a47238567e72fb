// Webhook leftovers against real PostgreSQL: a rotated secret keeps signing (a second v1) during
// its grace window and stops after it; old outbox events, deliveries and attempts are pruned in
// small batches while pending deliveries, their events and recent rows stay.
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { createWebhookEndpoint, rotateWebhookSecret, sendTestEvent } from "@/lib/webhooks/endpoints";
import { pruneEventLog } from "@/lib/webhooks/prune";
import { SIGNATURE_HEADER, verifyWebhookSignature } from "@/lib/webhooks/signing";
import { attemptDelivery } from "@/lib/webhooks/worker";
import { makeTestProject, type TestProject } from "./serving-helpers";

let fx: TestProject;
let server: http.Server;
let url: string;
const received: { signature: string; body: string }[] = [];

beforeAll(async () => {
  fx = await makeTestProject();
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ signature: String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? ""), body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends a test event to the endpoint and returns what the receiver got. */
async function deliverTest(endpointId: string) {
  const deliveryId = await sendTestEvent(fx.admin, endpointId);
  const outcome = await attemptDelivery(deliveryId, { allowPrivate: true });
  expect(outcome.outcome).toBe("succeeded");
  const last = received[received.length - 1];
  if (!last) throw new Error("nothing received");
  return last;
}

describe("rotated webhook secret: grace window", () => {
  it("signs with the new and the previous secret during the window, then with the new one only", async () => {
    const { endpointId, secret: first } = await createWebhookEndpoint(fx.admin, { url, events: ["label.moved"], format: "json" }, { allowPrivate: true });
    const before = await deliverTest(endpointId);
    expect(before.signature.match(/v1=/g)).toHaveLength(1);

    const rotated = await rotateWebhookSecret(fx.admin, endpointId, { graceHours: 24 });
    expect(Date.parse(rotated.previousSecretValidUntil ?? "") - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const during = await deliverTest(endpointId);
    expect(during.signature.match(/v1=/g)).toHaveLength(2);
    // A receiver with either secret verifies it.
    expect(verifyWebhookSignature(during.signature, during.body, rotated.secret).ok).toBe(true);
    expect(verifyWebhookSignature(during.signature, during.body, first).ok).toBe(true);
    expect(verifyWebhookSignature(during.signature, during.body, "whsec_other").ok).toBe(false);

    // Rotated again, with the window already over (rotated 25 h ago): only the newest secret signs.
    const again = await rotateWebhookSecret(fx.admin, endpointId, { graceHours: 24, now: new Date(Date.now() - 25 * 3_600_000) });
    const after = await deliverTest(endpointId);
    expect(after.signature.match(/v1=/g)).toHaveLength(1);
    expect(verifyWebhookSignature(after.signature, after.body, again.secret).ok).toBe(true);
    expect(verifyWebhookSignature(after.signature, after.body, rotated.secret).ok).toBe(false);
    expect(verifyWebhookSignature(after.signature, after.body, first).ok).toBe(false);

    // No grace configured: the previous secret stops at once.
    const strict = await rotateWebhookSecret(fx.admin, endpointId, { graceHours: 0 });
    expect(strict.previousSecretValidUntil).toBeNull();
    const now = await deliverTest(endpointId);
    expect(now.signature.match(/v1=/g)).toHaveLength(1);
    expect(verifyWebhookSignature(now.signature, now.body, again.secret).ok).toBe(false);
    const audit = await getDb().auditEvent.findMany({ where: { projectId: fx.projectId, action: "webhook.secret_rotated" } });
    expect(audit).toHaveLength(3);
    expect(JSON.stringify(audit)).not.toContain(first);
  });
});

describe("event log pruning", () => {
  it("deletes events, finished deliveries and attempts past the retention, in batches; keeps pending ones and recent rows", async () => {
    const db = getDb();
    const { endpointId } = await createWebhookEndpoint(fx.admin, { url, events: ["label.moved"], format: "json" }, { allowPrivate: true });
    const days = (n: number) => new Date(Date.now() - n * 86_400_000);
    const ids: Record<string, string> = {};
    const make = async (name: string, createdAt: Date, status: "succeeded" | "failed" | "pending" | null) => {
      const event = await db.projectEvent.create({
        data: { id: `evt_${name}_${fx.projectId}`, projectId: fx.projectId, type: "label.moved", data: {}, createdAt },
      });
      ids[name] = event.id;
      if (!status) return;
      const delivery = await db.webhookDelivery.create({ data: { endpointId, eventId: event.id, status, createdAt, attempts: 1 } });
      await db.webhookAttempt.create({ data: { deliveryId: delivery.id, number: 1, at: createdAt, ok: status === "succeeded", latencyMs: 5 } });
      ids[`${name}:delivery`] = delivery.id;
    };
    for (let i = 0; i < 5; i++) await make(`old${i}`, days(40 + i), i % 2 === 0 ? "succeeded" : "failed");
    await make("oldbare", days(50), null);
    await make("oldpending", days(45), "pending");
    await make("recent", days(2), "succeeded");

    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      const result = await pruneEventLog(client, { retentionDays: 30, batch: 2 });
      expect(result.ran).toBe(true);
      expect(result.events).toBeGreaterThanOrEqual(6);
      expect(result.deliveries).toBeGreaterThanOrEqual(5);
      expect(result.attempts).toBeGreaterThanOrEqual(5);
      // Another instance holding the lock: skipped.
      const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await other.connect();
      await other.query("SELECT pg_advisory_lock($1)", [0x70646576]);
      expect((await pruneEventLog(client, { retentionDays: 30 })).ran).toBe(false);
      await other.end();
    } finally {
      await client.end();
    }
    const left = await db.projectEvent.findMany({ where: { projectId: fx.projectId, id: { in: Object.values(ids) } }, select: { id: true } });
    expect(left.map((e) => e.id).sort()).toEqual([ids.oldpending, ids.recent].sort());
    expect(await db.webhookDelivery.count({ where: { id: { in: [ids["oldpending:delivery"] ?? "", ids["recent:delivery"] ?? ""] } } })).toBe(2);
    expect(await db.webhookAttempt.count({ where: { deliveryId: ids["oldpending:delivery"] } })).toBe(1);
    expect(await db.webhookDelivery.count({ where: { id: ids["old0:delivery"] } })).toBe(0);
  });
});
