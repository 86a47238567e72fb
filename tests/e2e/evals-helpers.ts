import { expect, type Page } from "@playwright/test";
import { getDb } from "@/lib/db/client";
import { addItems, createDataset } from "@/lib/datasets/mutations";
import { ADMIN, PROJECT } from "./fixtures";

export const CATEGORIES = ["billing", "shipping", "returns", "technical", "account", "other"] as const;

/** A support ticket and the category a person would choose, for item `i`. */
export function ticket(i: number): { ticket: string; category: (typeof CATEGORIES)[number] } {
  const texts: Record<(typeof CATEGORIES)[number], string> = {
    billing: "I was charged twice for order #{n}, please refund one charge.",
    shipping: "My package #{n} says delivered but nothing arrived.",
    returns: "How do I print the return label for order #{n}?",
    technical: "The speaker from order #{n} will not pair over Bluetooth.",
    account: "I cannot sign in since I changed my email (ticket {n}).",
    other: "Do you sponsor school robotics clubs? (request {n})",
  };
  const category = CATEGORIES[i % CATEGORIES.length]!;
  return { ticket: texts[category].replace("{n}", String(10_000 + i)), category };
}

/** A dataset of `count` tickets with expected categories, created through lib/datasets (for specs that test the eval screens, not the import). */
export async function createTicketDataset(name: string, count: number): Promise<void> {
  const db = getDb();
  const project = await db.project.findUniqueOrThrow({ where: { slug: PROJECT } });
  const admin = await db.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
  const actor = { kind: "user" as const, userId: admin.id, projectId: project.id, role: "ADMIN" as const };
  const dataset = await createDataset(project.id, { name, description: "Created by an end-to-end test" }, actor);
  await addItems(
    dataset.id,
    Array.from({ length: count }, (_, i) => {
      const t = ticket(i);
      return { variables: { ticket: t.ticket, channel: "email" }, expected: { category: t.category, urgency: "normal" } };
    }),
    actor,
    { note: `${count} tickets` },
  );
}

/** Waits (polling the page, which polls the server) until the run shows `status`. */
export async function waitForRunStatus(page: Page, status: string, timeout = 90_000): Promise<void> {
  await expect(page.getByTestId("eval-status")).toHaveText(status, { timeout });
}
