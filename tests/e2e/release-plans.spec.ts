import { randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { generateApiKey } from "@/lib/auth/api-keys";
import { getDb } from "@/lib/db/client";
import { createExperiment, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { createPrompt, moveLabel, publishDraft, saveDraft, starterContent } from "@/lib/prompts/mutations";
import { setReleaseRules } from "@/lib/prompts/release-rules";
import { SCREENSHOT_DIR, as } from "./fixtures";
import { createProjectWithPeople } from "./project-people";

// Release requests with a plan (issue 16), in a project of its own whose production label is
// under a rule (admins approve, four eyes):
// - an editor asks for a canary rollout on production from the rollout card: nothing starts, a
//   release request carrying the plan opens; its page says what approving does; an admin approves
//   and the rollout starts, and when its last step has passed the label moves under that approval;
// - an editor promotes an experiment's variant onto production: a release request opens instead
//   (the experiment keeps running); the admin approves, the experiment ends and the label moves.
test.describe.configure({ mode: "serial" });
test.setTimeout(240_000);

// Set by beforeAll, which a worker may run more than once for this file: a project per run.
let slug = "";
let runKey = "";
let experimentId = "";
const password = "plans-pass-1";
const people = {
  admin: { email: "", password, name: "Ada Admin" },
  editor: { email: "", password, name: "Eddie Editor" },
};
const canary = "canary-reply";
const promo = "promo-reply";

test.beforeAll(async () => {
  const suffix = randomUUID().slice(0, 8);
  slug = `plans-${suffix}`;
  people.admin.email = `plans-admin-${suffix}@example.test`;
  people.editor.email = `plans-editor-${suffix}@example.test`;
  const { projectId, admin: actor } = await createProjectWithPeople(slug, `Plans ${suffix}`, [
    { ...people.admin, role: "ADMIN" },
    { ...people.editor, role: "EDITOR" },
  ]);
  // Two prompts, each with 1.0.0 on production and a 1.1.0 waiting.
  for (const name of [canary, promo]) {
    const first = starterContent();
    const prompt = await createPrompt(actor, { name, content: first });
    const v1 = await publishDraft(actor, { promptId: prompt.id, changelog: "first" });
    await moveLabel(actor, { promptId: prompt.id, label: "production", versionId: v1.id });
    const second = structuredClone(first);
    second.system = [{ type: "text", role: "instructions", text: "You are a helpful assistant. Answer concisely and warmly." }];
    await saveDraft(actor, { promptId: prompt.id, content: second });
    await publishDraft(actor, { promptId: prompt.id, changelog: "warmer" });
  }
  // An experiment splits promo-reply's production traffic 50/50 (started before the rule: starting needs no request).
  const experiment = await createExperiment(
    actor,
    createExperimentSchema.parse({
      prompt: promo,
      name: "warmer answers",
      variants: [
        { version: "1.0.0", weight: 50 },
        { version: "1.1.0", weight: 50 },
      ],
    }),
  );
  await transitionExperiment(actor, experiment.id, "start");
  experimentId = experiment.id;
  await setReleaseRules(actor, [{ label: "production", fourEyes: true, editorsMayApprove: false }]);
  const key = generateApiKey();
  await getDb().apiKey.create({ data: { projectId, name: "plans run", prefix: key.prefix, hash: key.hash, scopes: ["prompts:read", "prompts:run"] } });
  runKey = key.key;
});

/** `count` /run calls for distinct subjects: the running rollout (or experiment) splits them. */
async function sendRuns(request: APIRequestContext, count: number, prefix: string, prompt = canary): Promise<void> {
  for (let batch = 0; batch < count; batch += 8) {
    const runs = await Promise.all(
      Array.from({ length: Math.min(8, count - batch) }, (_, j) =>
        request.post(`/api/v1/prompts/${prompt}/run`, {
          headers: { Authorization: `Bearer ${runKey}` },
          data: { variables: { input: `Question ${batch + j}?` }, subject: `${prefix}-${batch + j}` },
        }),
      ),
    );
    for (const run of runs) expect(run.status(), await run.text()).toBe(200);
  }
}

test("a rollout on production becomes a release request with the plan; approving starts it, and its end moves the label", async ({ browser, request }) => {
  // 1. The editor asks for the rollout from the rollout card.
  const editor = await as(browser, people.editor);
  await editor.goto(`/p/${slug}/prompts/${canary}`);
  await editor.getByTestId("rollout-start-open").click();
  const dialog = editor.getByTestId("rollout-start-dialog");
  await expect(dialog.getByTestId("rollout-approval-note")).toContainText('"production" moves only with an approved release request');
  await expect(dialog.getByTestId("rollout-start")).toHaveText("Request rollout");
  await dialog.getByTestId("rollout-steps-input").fill("50, 100");
  await dialog.getByTestId("rollout-minutes").fill("");
  await dialog.getByTestId("rollout-calls").fill("3");
  // The reason is required: the approver reads it.
  await dialog.getByTestId("rollout-start").click();
  await expect(dialog.getByTestId("rollout-start-error")).toHaveText("Say why this version should be released: the approver reads it.");
  await dialog.getByTestId("rollout-reason").fill("Warmer answers, guarded on half the traffic first");
  await editor.screenshot({ path: `${SCREENSHOT_DIR}/release-plan-rollout-dialog.png` });
  await dialog.getByTestId("rollout-start").click();
  await expect(editor).toHaveURL(new RegExp(`/p/${slug}/releases/[a-z0-9]+$`));
  const requestUrl = editor.url();
  // The mode line: what approving will do.
  const mode = editor.getByTestId("release-plan");
  await expect(mode).toHaveAttribute("data-mode", "rollout");
  await expect(mode).toContainText(
    "Approving starts a canary rollout (50 → 100 %) of v1.1.0 on production; production moves when its last step has passed, under this approval.",
  );
  await expect(editor.getByTestId("approve-release")).toBeDisabled();
  // Nothing started and nothing moved yet.
  await editor.goto(`/p/${slug}/prompts/${canary}`);
  await expect(editor.getByTestId("rollout-active")).toHaveCount(0);
  await expect(editor.getByTestId("label-version-production")).toHaveText("v1.0.0");
  await editor.context().close();

  // 2. The admin finds it in the inbox (marked as a canary), approves, and the rollout starts.
  const admin = await as(browser, people.admin);
  await admin.goto(`/p/${slug}/releases`);
  const row = admin.getByTestId("release-request-row").filter({ hasText: canary });
  await expect(row.getByTestId("release-request-mode")).toHaveText("canary 50 → 100 %");
  await admin.screenshot({ path: `${SCREENSHOT_DIR}/release-plan-inbox.png`, fullPage: true });
  await row.click();
  await expect(admin).toHaveURL(requestUrl);
  await expect(admin.getByTestId("approve-release")).toHaveText("Approve and start the rollout");
  await admin.screenshot({ path: `${SCREENSHOT_DIR}/release-plan-rollout-request.png`, fullPage: true });
  await admin.getByTestId("approve-release").click();
  await expect(admin.getByTestId("release-status")).toHaveText("approved");
  await expect(admin.getByTestId("release-plan")).toContainText("Approval started a canary rollout (50 → 100 %) of v1.1.0 on production");
  await admin.goto(`/p/${slug}/prompts/${canary}`);
  const active = admin.getByTestId("rollout-active");
  await expect(active).toHaveAttribute("data-status", "RUNNING");
  await expect(active).toHaveAttribute("data-percent", "50");
  await expect(admin.getByTestId("label-version-production")).toHaveText("v1.0.0");

  // 3. Calls pass both steps; the rollout completes and production moves under the approval.
  await sendRuns(request, 24, "a");
  // The worker may pass the 100% step too before the page re-reads itself: either is past the first step.
  await expect(admin.locator('[data-testid="rollout-active"][data-percent="100"], [data-testid="rollout-latest"][data-status="COMPLETED"]')).toHaveCount(1, {
    timeout: 60_000,
  });
  await sendRuns(request, 16, "b");
  await expect(admin.getByTestId("rollout-latest")).toHaveAttribute("data-status", "COMPLETED", { timeout: 60_000 });
  await admin.reload();
  await expect(admin.getByTestId("label-version-production")).toHaveText("v1.1.0");
  await expect(admin.getByTestId("label-event").first()).toContainText("canary rollout completed");
  await expect(admin.getByTestId("label-event").first()).toContainText("release request approved");
  await admin.context().close();
});

test("promoting an experiment's winner onto production becomes a release request; approving ends the experiment and moves the label", async ({
  browser,
  request,
}) => {
  // Some traffic first: an experiment without calls cannot be promoted.
  await sendRuns(request, 16, "p", promo);
  const editor = await as(browser, people.editor);
  await editor.goto(`/p/${slug}/experiments/${experimentId}`);
  const promote = editor.getByTestId("promote-open");
  await expect(promote).toHaveText("Request release to production");
  await editor.locator("#promote-variant").selectOption("B");
  await promote.click();
  const confirm = editor.getByTestId("confirm-promote");
  await expect(confirm.getByTestId("promote-approval-note")).toContainText("production moves only with an approved release request");
  await confirm.getByTestId("promote-reason").fill("B reads warmer; ship it");
  await confirm.getByRole("button", { name: "Request release" }).click();
  await expect(editor.getByTestId("promote-requested")).toContainText("a request to release 1.1.0 (variant B) is waiting in Releases");
  await editor.screenshot({ path: `${SCREENSHOT_DIR}/release-plan-promote-notice.png`, fullPage: true });
  // The experiment keeps running until approval.
  await expect(editor.getByTestId("experiment-status")).toHaveText("running");
  await editor.getByTestId("promote-request-link").click();
  await expect(editor).toHaveURL(new RegExp(`/p/${slug}/releases/[a-z0-9]+$`));
  const requestUrl = editor.url();
  await expect(editor.getByTestId("release-reason")).toHaveText("B reads warmer; ship it");
  await expect(editor.getByTestId("release-plan")).toHaveAttribute("data-mode", "promote");
  await expect(editor.getByTestId("release-plan")).toContainText(
    'Approving ends experiment "warmer answers" with variant B as the winner and moves production to v1.1.0.',
  );
  await editor.context().close();

  const admin = await as(browser, people.admin);
  await admin.goto(requestUrl);
  await expect(admin.getByTestId("approve-release")).toHaveText("Approve, end the experiment and move the label");
  await admin.screenshot({ path: `${SCREENSHOT_DIR}/release-plan-promote-request.png`, fullPage: true });
  await admin.getByTestId("approve-release").click();
  await expect(admin.getByTestId("release-status")).toHaveText("approved");
  await expect(admin.getByTestId("release-plan")).toContainText(
    'Approval ended experiment "warmer answers" with variant B as the winner and moved production to v1.1.0.',
  );
  await admin.goto(`/p/${slug}/prompts/${promo}`);
  await expect(admin.getByTestId("label-version-production")).toHaveText("v1.1.0");
  await admin.goto(`/p/${slug}/experiments/${experimentId}`);
  await expect(admin.getByTestId("experiment-status")).toHaveText("completed");
  await admin.context().close();
});
