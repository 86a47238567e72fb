import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { getDb } from "@/lib/db/client";
import { verifyWebhookSignature } from "@/lib/webhooks/signing";
import { ADMIN_STATE, PROJECT, VIEWER_STATE, presetTheme, snap } from "./fixtures";

// The webhook settings flow in a real browser against the real server (its webhook worker): an
// admin adds an endpoint (bad URLs refused with a message), copies the secret shown once, sends a
// test event that a local receiver gets correctly signed, sees it in the delivery log and redelivers it.

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "text/plain" }).end(`received ${received.length}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook-${Date.now()}`, received, close: () => server.close() };
}

test.describe("webhooks as admin", () => {
  test.use({ storageState: ADMIN_STATE });

  test("adds an endpoint, sends a test event the receiver verifies, sees the log and redelivers", async ({ page }) => {
    const receiver = await startReceiver();
    try {
      await page.goto(`/p/${PROJECT}/settings`);
      await page.getByTestId("add-webhook").click();
      const dialog = page.getByRole("dialog");
      // Bad input: not http(s).
      await dialog.getByLabel("URL").fill("ftp://hooks.example.com/x");
      await page.getByTestId("add-webhook-submit").click();
      await expect(page.getByTestId("webhook-error")).toContainText("Only http and https URLs can receive webhooks");
      // No event picked.
      await dialog.getByLabel("URL").fill(receiver.url);
      await dialog.getByRole("checkbox", { name: /label\.moved/ }).uncheck();
      await page.getByTestId("add-webhook-submit").click();
      await expect(page.getByTestId("webhook-error")).toContainText("Pick at least one event");
      await dialog.getByRole("checkbox", { name: /label\.moved/ }).check();
      await dialog.getByRole("checkbox", { name: /version\.published/ }).check();
      await page.getByTestId("add-webhook-submit").click();

      const secret = (await page.getByTestId("webhook-secret").textContent())?.trim() ?? "";
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      await page.getByRole("button", { name: "Done" }).click();
      await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
      const row = page.getByRole("row", { name: new RegExp(receiver.url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")) });
      await expect(row).toContainText("label.moved");
      await expect(row).not.toContainText(secret);

      await row.getByRole("link", { name: receiver.url }).click();
      await expect(page.getByRole("heading", { name: "Webhook deliveries" })).toBeVisible();
      await page.getByTestId("send-test-event").click();
      await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
      const got = receiver.received[0]!;
      expect(verifyWebhookSignature(got.headers["promptdeck-signature"] as string, got.body, secret)).toMatchObject({ ok: true });
      expect(got.headers["promptdeck-event-type"]).toBe("webhook.test");
      const eventId = got.headers["promptdeck-event-id"] as string;

      // The log refreshes itself while the delivery is pending.
      const delivery = page.getByTestId("webhook-delivery").first();
      await expect(delivery).toContainText("succeeded", { timeout: 20_000 });
      await expect(delivery).toContainText("webhook.test");
      await expect(delivery).toContainText(eventId);
      await expect(delivery).toContainText("received 1");

      await delivery.getByRole("button", { name: "Redeliver" }).click();
      await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(2);
      expect(receiver.received[1]!.headers["promptdeck-event-id"]).toBe(eventId);
      await expect(page.getByTestId("webhook-delivery")).toHaveCount(2, { timeout: 20_000 });
      await expect(page.getByTestId("webhook-delivery").first()).toContainText("succeeded", { timeout: 20_000 });

      // Back on Settings: the last delivery, then the endpoint is deleted.
      await page.getByRole("link", { name: "Settings" }).first().click();
      await expect(row).toContainText("200");
      await row.getByRole("button", { name: `Delete ${receiver.url}` }).click();
      await page.getByTestId("confirm-webhook").click();
      await expect(row).toHaveCount(0);
    } finally {
      receiver.close();
    }
  });

  for (const theme of ["light", "dark"] as const) {
    test(`screenshots of the new-endpoint form, the delivery log and the webhooks card (${theme})`, async ({ page }) => {
      const receiver = await startReceiver();
      try {
        await presetTheme(page, theme);
        await page.goto(`/p/${PROJECT}/settings`);
        await page.getByTestId("add-webhook").click();
        const dialog = page.getByRole("dialog");
        await dialog.getByLabel("URL").fill(receiver.url);
        await dialog.getByLabel("Description").fill(`Release notes (${theme})`);
        await dialog.getByLabel("Format").selectOption("slack");
        await snap(page, "webhooks-new", theme);
        await page.getByTestId("add-webhook-submit").click();
        await page.getByRole("button", { name: "Done" }).click();
        const row = page.getByRole("row", { name: new RegExp(`Release notes \\(${theme}\\)`) });
        await row.getByRole("link").click();
        await page.getByTestId("send-test-event").click();
        await expect(page.getByTestId("webhook-delivery").first()).toContainText("succeeded", { timeout: 20_000 });
        await snap(page, "webhooks-log", theme);
        await page.goto(`/p/${PROJECT}/settings`);
        await expect(page.getByTestId("webhooks-table")).toBeVisible();
        await page.getByTestId("webhooks-card").scrollIntoViewIfNeeded();
        await snap(page, "webhooks-settings", theme);
        await row.getByRole("button", { name: /^Delete / }).click();
        await page.getByTestId("confirm-webhook").click();
        await expect(row).toHaveCount(0);
      } finally {
        receiver.close();
      }
    });
  }
});

test.describe("an endpoint disabled after repeated failures", () => {
  test.use({ storageState: ADMIN_STATE });

  for (const theme of ["light", "dark"] as const) {
    test(`shows a banner on Settings, and enabling it clears it (${theme})`, async ({ page }) => {
      const db = getDb();
      const project = await db.project.findUniqueOrThrow({ where: { slug: PROJECT } });
      // Written as the worker leaves an endpoint it disabled (the integration test drives the worker itself).
      const url = `https://hooks.example.com/broken-${theme}-${Date.now()}`;
      const endpoint = await db.webhookEndpoint.create({
        data: {
          projectId: project.id,
          url,
          secret: "whsec_e2e",
          events: ["label.moved"],
          enabled: false,
          consecutiveFailures: 20,
          disabledAt: new Date(),
          disabledReason: "disabled after 20 failed attempts in a row (last: HTTP 503)",
        },
      });
      try {
        await presetTheme(page, theme);
        await page.goto(`/p/${PROJECT}/settings`);
        const banner = page.getByTestId("webhooks-disabled-banner");
        await expect(banner).toContainText(url);
        await expect(banner).toContainText("disabled after 20 failed attempts in a row (last: HTTP 503)");
        await snap(page, "webhooks-disabled-banner", theme);
        const row = page.getByRole("row", { name: new RegExp(url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")) });
        await expect(row).toContainText("disabled");
        await row.getByRole("button", { name: `Edit ${url}` }).click();
        await page
          .getByRole("dialog")
          .getByRole("checkbox", { name: /Enabled/ })
          .check();
        await page.getByTestId("edit-webhook-submit").click();
        await expect(row).toContainText("active");
        await expect(banner.filter({ hasText: url })).toHaveCount(0);
      } finally {
        await db.webhookEndpoint.deleteMany({ where: { id: endpoint.id } });
      }
    });
  }
});

test.describe("webhooks as viewer", () => {
  test.use({ storageState: VIEWER_STATE });

  test("sees the card without the admin controls", async ({ page }) => {
    await page.goto(`/p/${PROJECT}/settings`);
    await expect(page.getByTestId("webhooks-card")).toBeVisible();
    await expect(page.getByTestId("add-webhook")).toHaveCount(0);
  });
});
