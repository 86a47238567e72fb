import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { ADMIN, ADMIN_STATE, presetTheme, snap, watchConsole } from "./fixtures";
import { getDb } from "@/lib/db/client";
import { createPrompt, moveLabel, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import type { Actor } from "@/lib/audit/actor";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

// Issue 18, defect 2: rolling production back from 1.1.0 (which added an optional `language`) to
// 1.0.0 turns every call that sends `language` into a 422. The rollback and move dialogs show the
// contract difference and how many recent calls the target would refuse, and confirm "anyway".
test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const suffix = randomUUID().slice(0, 6);
const SLUG = `label-contract-${suffix}`;
const PROMPT = "answerer";

function content(withLanguage: boolean): PromptVersionContent {
  return {
    system: [{ type: "text", role: "instructions", text: withLanguage ? "Answer in {{language}}." : "Answer briefly." }],
    messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
    variables: {
      question: { type: "string", required: true, description: "The question" },
      ...(withLanguage ? { language: { type: "string" as const, required: false, default: "English" } } : {}),
    },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 256 },
    outputSchema: { format: "text" },
    policy: {},
  };
}

test.beforeAll(async () => {
  const db = getDb();
  const user = await db.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
  const project = await db.project.create({ data: { slug: SLUG, name: `Label contract ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "ADMIN" } });
  const actor: Actor = { kind: "user", userId: user.id, projectId: project.id, role: "ADMIN" };
  const prompt = await createPrompt(actor, { name: PROMPT, content: content(false) });
  const v100 = await publishDraft(actor, { promptId: prompt.id, changelog: "first" });
  await moveLabel(actor, { promptId: prompt.id, label: "production", versionId: v100.id });
  await saveDraft(actor, { promptId: prompt.id, content: content(true) });
  const v110 = await publishDraft(actor, { promptId: prompt.id, changelog: "optional language" });
  await moveLabel(actor, { promptId: prompt.id, label: "production", versionId: v110.id });
  // Three recent API calls of 1.1.0, two of them sending `language`.
  const call = (variables: Record<string, string>) => ({
    projectId: project.id,
    promptId: prompt.id,
    versionId: v110.id,
    source: "api" as const,
    model: "claude-sonnet-5-5",
    requestedModel: "claude-sonnet-5-5",
    status: "ok" as const,
    metadata: { variables },
  });
  await db.callLog.createMany({
    data: [call({ question: "a", language: "French" }), call({ question: "b" }), call({ question: "c", language: "German" })],
  });
});

test("rollback across a contract change shows the difference and the calls it breaks, and confirms anyway; a compatible move does not", async ({ page }) => {
  const console = watchConsole(page);
  await page.goto(`/p/${SLUG}/prompts/${PROMPT}`);
  await expect(page.getByTestId("label-version-production")).toHaveText("v1.1.0");

  await page.getByTestId("rollback-production").click();
  const dialog = page.getByTestId("rollback-dialog");
  const check = dialog.getByTestId("contract-check");
  await expect(check).toHaveAttribute("data-breaking", "true");
  await expect(check).toContainText("Variables contract v1.1.0 → v1.0.0: callers can break");
  await expect(check.getByTestId("contract-changes")).toHaveText('variable "language" removed (breaking)');
  await expect(check.getByTestId("contract-recent-calls")).toHaveText(
    "2 of the last 3 calls of v1.1.0 (7 days) sent variables v1.0.0 would refuse: language in 2.",
  );
  await expect(dialog.getByTestId("confirm-rollback")).toHaveText("Roll back to v1.0.0 anyway");
  for (const theme of ["light", "dark"] as const) {
    await presetTheme(page, theme);
    await page.reload();
    await page.getByTestId("rollback-production").click();
    await expect(page.getByTestId("rollback-dialog").getByTestId("contract-check")).toBeVisible();
    await snap(page, "label-rollback-contract", theme);
  }
  await page.getByTestId("confirm-rollback").click();
  await expect(page.getByTestId("label-version-production")).toHaveText("v1.0.0");

  // Forward again: adding an optional variable breaks nobody; the plain button.
  await page.getByTestId("move-production").click();
  const move = page.getByTestId("move-dialog");
  await move.getByTestId("move-target").selectOption({ label: "v1.1.0" });
  await expect(move.getByTestId("contract-check")).toHaveAttribute("data-breaking", "false");
  await expect(move.getByTestId("contract-check")).toContainText("compatible for callers");
  await expect(move.getByTestId("contract-changes")).toHaveText('variable "language" added');
  await expect(move.getByTestId("confirm-move")).toHaveText("Move label");
  await move.getByTestId("confirm-move").click();
  await expect(page.getByTestId("label-version-production")).toHaveText("v1.1.0");
  expect(console.errors).toEqual([]);
});
