import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT } from "./fixtures";

// The dashboard's edge check (lib/http/edge.ts, run by the process before Next): a hostile URL
// gets a 400 naming the problem (an HTML page for a browser, JSON for a data route) instead of a
// 500 from Next or the database (issue 17, items 4 and 6).
test.use({ storageState: ADMIN_STATE });

test("a page URL with NUL or a lone surrogate shows a Bad request page naming the problem", async ({ page }) => {
  for (const [path, message] of [
    [`/p/${PROJECT}/prompts/%00`, "Control characters"],
    [`/p/${PROJECT}/experiments/%ED%A0%80`, "Malformed percent-encoding"],
    [`/p/${PROJECT}/calls?prompt=a%00`, "Control characters"],
  ] as const) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(400);
    await expect(page.getByRole("heading", { name: "Bad request" })).toBeVisible();
    await expect(page.getByText(message)).toBeVisible();
  }
});

test("a prompt name with a '..' or empty segment is refused, not shown as another prompt", async ({ page, request }) => {
  const response = await page.goto(`/p/${PROJECT}/prompts/support-assistant%2F..%2Fsupport-assistant`);
  expect(response?.status()).toBe(400);
  await expect(page.getByText("has a '..' segment")).toBeVisible();
  const data = await request.get(`/p/${PROJECT}/metrics/prompts/a%2F%2Fb`, { headers: { Accept: "application/json" } });
  expect(data.status()).toBe(400);
  expect(((await data.json()) as { error: { message: string } }).error.message).toMatch(/empty segment/);
});

test("data routes answer a JSON 400", async ({ request }) => {
  for (const path of [`/p/${PROJECT}/calls/data?prompt=%ED%A0%80`, `/p/${PROJECT}/metrics/data?view=%00`, `/p/%00/calls/data`]) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("bad_request");
  }
});

test("the new-prompt form refuses a name with '..' or empty segments", async ({ page }) => {
  await page.goto(`/p/${PROJECT}/prompts/new`);
  for (const name of ["team/../support-assistant", "team//support", "team/"]) {
    await page.getByLabel("Name").fill(name);
    await page.getByTestId("create-prompt").click();
    await expect(page.locator("#field-name-error")).toContainText("segment");
  }
  await expect(page).toHaveURL(/\/prompts\/new$/);
});

test("a stray '%' in a dataset name is an unknown dataset, not a 500", async ({ request }) => {
  for (const path of [`/p/${PROJECT}/datasets/%25/data`, `/p/${PROJECT}/datasets/%25`, `/p/${PROJECT}/datasets/a%25b/import`]) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(404);
  }
});

test("next-auth: a callback URL that is no URL, or a body that is no JSON, is a 400 (next-auth answered 500)", async ({ request }) => {
  const odd = await request.get(`/api/auth/session?callbackUrl=${"x".repeat(300)}`);
  expect(odd.status()).toBe(400);
  expect(((await odd.json()) as { error: { message: string } }).error.message).toMatch(/callbackUrl/);
  const notJson = await request.post("/api/auth/session", { headers: { "Content-Type": "application/json" }, data: "{nope" });
  expect(notJson.status()).toBe(400);
  // The sign-in flow's own callback URLs still work.
  expect((await request.get(`/api/auth/session?callbackUrl=${encodeURIComponent(`/p/${PROJECT}/prompts`)}`)).status()).toBe(200);
});
