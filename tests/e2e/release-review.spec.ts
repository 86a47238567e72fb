import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import type { Actor } from "@/lib/audit/actor";
import { getDb } from "@/lib/db/client";
import { createPrompt, moveLabel, publishDraft, saveDraft, starterContent } from "@/lib/prompts/mutations";
import { setReleaseRules } from "@/lib/prompts/release-rules";
import { hashPassword } from "@/lib/users/password";
import { SCREENSHOT_DIR, as } from "./fixtures";

// Reviewing releases in the dashboard (issue 16, approvals), in a project of its own with two
// admins and an editor; production is under a "requester may not approve" rule:
// - four eyes: an admin who requested a move sees approve refused with the reason (up front, and
//   from the server when the rule tightened after the page was loaded); the other admin approves;
// - comments on a version: added on the version page, shown there and in the diff.
test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

const suffix = randomUUID().slice(0, 8);
const slug = `rev-${suffix}`;
const password = "review-pass-1";
const people = {
  ada: { email: `rev-ada-${suffix}@example.test`, password, name: "Ada Admin" },
  bob: { email: `rev-bob-${suffix}@example.test`, password, name: "Bob Admin" },
  eve: { email: `rev-eve-${suffix}@example.test`, password, name: "Eve Editor" },
};
const promptName = "refund-reply";
let bobActor: Actor;

test.beforeAll(async () => {
  const db = getDb();
  const project = await db.project.create({ data: { slug, name: `Review ${suffix}` } });
  const hash = await hashPassword(password);
  const ids: Record<keyof typeof people, string> = { ada: "", bob: "", eve: "" };
  for (const [key, who] of Object.entries(people) as Array<[keyof typeof people, (typeof people)["ada"]]>) {
    const user = await db.user.create({ data: { email: who.email, name: who.name, passwordHash: hash } });
    await db.membership.create({ data: { userId: user.id, projectId: project.id, role: key === "eve" ? "EDITOR" : "ADMIN" } });
    ids[key] = user.id;
  }
  bobActor = { kind: "user", userId: ids.bob, projectId: project.id, role: "ADMIN" };
  // 1.0.0 serves production; 1.1.0 changes the instructions.
  const first = starterContent();
  const prompt = await createPrompt(bobActor, { name: promptName, content: first });
  const v1 = await publishDraft(bobActor, { promptId: prompt.id, changelog: "first" });
  await moveLabel(bobActor, { promptId: prompt.id, label: "production", versionId: v1.id });
  const second = structuredClone(first);
  second.system = [{ type: "text", role: "instructions", text: "You are a helpful assistant. Quote the refund policy word for word." }];
  await saveDraft(bobActor, { promptId: prompt.id, content: second });
  await publishDraft(bobActor, { promptId: prompt.id, changelog: "quote the policy" });
  await setReleaseRules(bobActor, [{ label: "production", fourEyes: true, editorsMayApprove: false }]);
});

test("four eyes: the admin who requested may not approve (said up front and by the server); another admin approves", async ({ browser }) => {
  // Ada (an admin) requests 1.1.0 for production from the prompt page.
  const ada = await as(browser, people.ada);
  await ada.goto(`/p/${slug}/prompts/${promptName}`);
  await ada.getByTestId("request-production").click();
  const dialog = ada.getByTestId("move-dialog");
  await dialog.getByTestId("move-target").selectOption({ label: "v1.1.0" });
  await dialog.getByLabel(/Reason/).fill("Customers ask for the exact policy wording");
  await dialog.getByTestId("confirm-move").click();
  await expect(ada).toHaveURL(new RegExp(`/p/${slug}/releases/[a-z0-9]+$`));
  const requestUrl = ada.url();
  await expect(ada.getByTestId("release-status")).toHaveText("open");
  // Up front: the reason, and approve is off (reject stays: withdrawing one's own request).
  await expect(ada.getByTestId("release-decision-note")).toHaveText("Four eyes: you requested this release, so someone else must approve it");
  await expect(ada.getByTestId("approve-release")).toBeDisabled();
  await expect(ada.getByTestId("reject-release")).toBeEnabled();
  await ada.screenshot({ path: `${SCREENSHOT_DIR}/release-four-eyes-requester.png`, fullPage: true });

  // The rule loosens (no four eyes): Ada's page offers approve ...
  await setReleaseRules(bobActor, [{ label: "production", fourEyes: false, editorsMayApprove: false }]);
  await ada.reload();
  await expect(ada.getByTestId("release-decision-note")).toHaveCount(0);
  await expect(ada.getByTestId("approve-release")).toBeEnabled();
  // ... then tightens again before she clicks: the server refuses with the same reason, nothing moves.
  await setReleaseRules(bobActor, [{ label: "production", fourEyes: true, editorsMayApprove: false }]);
  await ada.getByTestId("approve-release").click();
  await expect(ada.getByTestId("release-decision-error")).toHaveText("Four eyes: you requested this release, so someone else must approve it");
  await ada.reload();
  await expect(ada.getByTestId("release-status")).toHaveText("open");
  await expect(ada.getByTestId("approve-release")).toBeDisabled();
  await ada.goto(`/p/${slug}/prompts/${promptName}`);
  await expect(ada.getByTestId("label-version-production")).toHaveText("v1.0.0");

  // Bob, the other admin, approves from the same page.
  const bob = await as(browser, people.bob);
  await bob.goto(requestUrl);
  await expect(bob.getByTestId("release-decision-note")).toHaveCount(0);
  await expect(bob.getByTestId("release-summary")).toContainText("Ada Admin");
  await bob.getByTestId("decision-comment").fill("Second pair of eyes: fine");
  await bob.getByTestId("approve-release").click();
  await expect(bob.getByTestId("release-status")).toHaveText("approved");
  await expect(bob.getByTestId("release-decided")).toContainText("Bob Admin");
  await ada.reload();
  await expect(ada.getByTestId("label-version-production")).toHaveText("v1.1.0");
  await expect(ada.getByTestId("label-event").first()).toContainText("release request approved");
  await ada.context().close();
  await bob.context().close();
});

test("comments on a version: added on the version page, shown there and in the diff", async ({ browser }) => {
  const eve = await as(browser, people.eve);
  await eve.goto(`/p/${slug}/prompts/${promptName}/versions/1.1.0`);
  const comments = eve.getByTestId("version-comments");
  await expect(comments).toContainText("No comments yet.");
  // An empty comment is refused with the reason; nothing is stored.
  await comments.getByTestId("comment-body").fill("   ");
  await comments.getByTestId("add-comment").click();
  await expect(comments.getByTestId("comment-error")).toHaveText("Write a comment first");
  await comments.getByTestId("comment-body").fill("Check the wording with legal before the next release.");
  await comments.getByTestId("add-comment").click();
  const added = comments.getByTestId("version-comment");
  await expect(added).toHaveCount(1);
  await expect(added).toContainText("Eve Editor");
  await expect(added).toContainText("Check the wording with legal before the next release.");
  await expect(comments.getByTestId("comment-body")).toHaveValue("");
  await expect(comments.getByTestId("comment-error")).toHaveCount(0);
  await eve.screenshot({ path: `${SCREENSHOT_DIR}/version-comments.png`, fullPage: true });

  // The diff 1.0.0 -> 1.1.0 shows it beside 1.1.0, not 1.0.0; a comment on 1.0.0 from the diff lands on 1.0.0's page.
  await eve.goto(`/p/${slug}/prompts/${promptName}/diff?from=1.0.0&to=1.1.0`);
  const sides = eve.getByTestId("diff-comments").getByTestId("version-comments");
  await expect(sides).toHaveCount(2);
  await expect(sides.nth(0)).toContainText("Comments on v1.0.0 (0)");
  await expect(sides.nth(1)).toContainText("Comments on v1.1.0 (1)");
  await expect(sides.nth(1).getByTestId("version-comment")).toContainText("Check the wording with legal");
  await sides.nth(0).getByTestId("comment-body").fill("The old wording paraphrased the policy.");
  await sides.nth(0).getByTestId("add-comment").click();
  await expect(sides.nth(0).getByTestId("version-comment")).toContainText("The old wording paraphrased the policy.");
  await expect(sides.nth(1).getByTestId("version-comment")).toHaveCount(1);
  await eve.getByTestId("diff-comments").scrollIntoViewIfNeeded();
  await eve.getByTestId("diff-comments").screenshot({ path: `${SCREENSHOT_DIR}/diff-comments.png` });
  await eve.goto(`/p/${slug}/prompts/${promptName}/versions/1.0.0`);
  await expect(eve.getByTestId("version-comments").getByTestId("version-comment")).toContainText("The old wording paraphrased the policy.");
  await eve.context().close();
});
