import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { createPrompt, moveLabel, publishDraft, saveDraft, starterContent } from "@/lib/prompts/mutations";
import { SCREENSHOT_DIR, as } from "./fixtures";
import { createProjectWithPeople } from "./project-people";

// Release requests end to end (issue 16, approvals), in a project of its own so the rule on its
// "production" label does not touch specs running in parallel on the demo project: an admin puts
// production under a rule on the settings page, an editor requests a production move from the
// prompt page, an admin finds it in the Releases inbox, reads the evidence and approves, and the
// label moves.
test.describe.configure({ mode: "serial" });
// Several signed-in browsers and full pages per test: generous on a busy machine.
test.setTimeout(240_000);

const suffix = randomUUID().slice(0, 8);
const slug = `rel-${suffix}`;
const password = "release-pass-1";
const people = {
  admin: { email: `rel-admin-${suffix}@example.test`, password, name: "Ada Admin" },
  editor: { email: `rel-editor-${suffix}@example.test`, password, name: "Eddie Editor" },
};
const promptName = "support-reply";

test.beforeAll(async () => {
  const { admin: actor } = await createProjectWithPeople(slug, `Releases ${suffix}`, [
    { ...people.admin, role: "ADMIN" },
    { ...people.editor, role: "EDITOR" },
  ]);
  // 1.0.0 serves production; 1.1.0 (a longer system prompt and a new optional variable) and a third version wait.
  const first = starterContent();
  const prompt = await createPrompt(actor, { name: promptName, content: first });
  const v1 = await publishDraft(actor, { promptId: prompt.id, changelog: "first" });
  await moveLabel(actor, { promptId: prompt.id, label: "production", versionId: v1.id });
  const second = structuredClone(first);
  second.system = [{ type: "text", role: "instructions", text: "You are a helpful assistant. Answer concisely and cite the refund policy when it applies." }];
  second.variables = { ...second.variables, tone: { type: "string", required: false, default: "friendly", description: "Reply tone" } };
  await saveDraft(actor, { promptId: prompt.id, content: second });
  await publishDraft(actor, { promptId: prompt.id, changelog: "cite the policy" });
  const third = structuredClone(second);
  third.system = [{ type: "text", role: "instructions", text: "You are a helpful assistant. Answer concisely and cite the refund policy." }];
  await saveDraft(actor, { promptId: prompt.id, content: third });
  await publishDraft(actor, { promptId: prompt.id, changelog: "shorter" });
});

test("an admin sets the rule, an editor requests a production move, an admin reads the evidence and approves", async ({ browser }) => {
  // 1. Settings: a duplicate rule is refused with the reason, then production goes under a rule.
  const admin = await as(browser, people.admin);
  await admin.goto(`/p/${slug}/settings`);
  const card = admin.getByTestId("release-rules-card");
  await card.getByTestId("add-release-rule").click();
  await expect(card.getByTestId("release-rule-label-0")).toHaveValue("production");
  await card.getByTestId("add-release-rule").click();
  await card.getByTestId("release-rule-label-1").fill("production");
  await card.getByTestId("save-release-rules").click();
  await expect(card.getByTestId("release-rule-error-1")).toContainText('"production" has two rules');
  await card.getByRole("button", { name: "Remove rule 2" }).click();
  await expect(card.getByTestId("release-rule-four-eyes-0")).toBeChecked();
  await card.getByTestId("save-release-rules").click();
  await expect(card.getByTestId("release-rules-notice")).toContainText("Release rules saved");
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: `${SCREENSHOT_DIR}/release-rules-settings.png` });

  // 2. The editor requests 1.1.0 for production from the prompt page (a reason is required).
  const editor = await as(browser, people.editor);
  await editor.goto(`/p/${slug}/prompts/${promptName}`);
  await expect(editor.getByTestId("label-approval-production")).toBeVisible();
  await editor.getByTestId("request-production").click();
  const dialog = editor.getByTestId("move-dialog");
  await expect(dialog.getByTestId("move-approval-note")).toContainText('"production" moves only with an approved release request');
  await dialog.getByTestId("move-target").selectOption({ label: "v1.1.0" });
  await dialog.getByTestId("confirm-move").click();
  await expect(dialog.getByTestId("move-error")).toContainText("Say why this version should be released");
  await dialog.getByLabel(/Reason/).fill("Cite the refund policy: fewer escalations");
  await dialog.getByTestId("confirm-move").click();
  await expect(editor).toHaveURL(new RegExp(`/p/${slug}/releases/[a-z0-9]+$`));
  await expect(editor.getByTestId("release-status")).toHaveText("open");
  // The mode line says what approving does: a plain move, at once.
  await expect(editor.getByTestId("release-plan")).toHaveAttribute("data-mode", "move");
  await expect(editor.getByTestId("release-plan")).toContainText("Approving moves production from v1.0.0 to v1.1.0 at once.");
  // An editor may not approve production (admins only): said up front, the button is off.
  await expect(editor.getByTestId("release-decision-note")).toContainText("Only admins can approve");
  await expect(editor.getByTestId("approve-release")).toBeDisabled();
  const requestUrl = editor.url();
  await editor.goto(`/p/${slug}/prompts/${promptName}`);
  await expect(editor.getByTestId("label-version-production")).toHaveText("v1.0.0");
  await expect(editor.getByTestId("prompt-release-requests").getByTestId("release-request-row")).toHaveCount(1);
  await editor.context().close();

  // 3. The admin finds it in the inbox (sidebar count), reads the evidence and approves.
  await admin.goto(`/p/${slug}/prompts`);
  await expect(admin.getByTestId("nav-count-releases")).toHaveText("1");
  await admin.getByRole("link", { name: /Releases/ }).click();
  const row = admin.getByTestId("release-request-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Cite the refund policy");
  await expect(row).toContainText("Eddie Editor");
  await row.click();
  await expect(admin).toHaveURL(requestUrl);
  const evidence = admin.getByTestId("release-evidence");
  await expect(evidence.getByTestId("evidence-bump")).toHaveText("minor");
  await expect(evidence.getByTestId("evidence-reasons")).toContainText("tone");
  await expect(evidence.getByTestId("evidence-contract")).toContainText("compatible");
  await expect(evidence.getByTestId("evidence-no-eval")).toBeVisible();
  await expect(evidence.getByTestId("evidence-cost-before")).toContainText("v1.0.0");
  await expect(evidence.getByTestId("evidence-cost-after")).toContainText("v1.1.0");
  await expect(evidence.getByTestId("evidence-diff")).toContainText("cite the refund policy");
  // The new variable reads as added (nothing before it), not as a removal.
  const tone = evidence.getByTestId("evidence-variable");
  await expect(tone).toHaveAttribute("data-change", "added");
  await expect(tone).toContainText("not defined");
  await admin.screenshot({ path: `${SCREENSHOT_DIR}/release-request-evidence.png`, fullPage: true });
  await admin.getByTestId("decision-comment").fill("Evidence looks good");
  await admin.getByTestId("approve-release").click();
  await expect(admin.getByTestId("release-status")).toHaveText("approved");
  await expect(admin.getByTestId("release-decided")).toContainText("Ada Admin");
  await expect(admin.getByTestId("release-decided")).toContainText("Evidence looks good");
  await expect(admin.getByTestId("release-plan")).toContainText("Approval moved production from v1.0.0 to v1.1.0.");
  await expect(admin.getByTestId("nav-count-releases")).toHaveCount(0);
  await admin.goto(`/p/${slug}/prompts/${promptName}`);
  await expect(admin.getByTestId("label-version-production")).toHaveText("v1.1.0");
  await expect(admin.getByTestId("label-event").first()).toContainText("release request approved");
  await admin.screenshot({ path: `${SCREENSHOT_DIR}/release-request-prompt-page.png`, fullPage: true });
  await admin.context().close();
});
