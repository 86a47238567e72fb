import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT } from "./fixtures";

// The app's static assets live in public/ and reach the browser through Next's metadata: the
// favicon, the header logo and the social image (issue 18, "The demo shows the product").
test.describe("static assets", () => {
  test.use({ storageState: ADMIN_STATE });

  test("the header shows the logo; favicon, touch icon and social image are linked and served", async ({ page, request }) => {
    await page.goto(`/p/${PROJECT}/prompts`);
    const logo = page.locator("aside").getByTestId("logo");
    await expect(logo).toBeVisible();
    expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    const head = page.locator("head");
    await expect(head.locator('link[rel="icon"][href^="/favicon.ico"]')).toHaveCount(1);
    await expect(head.locator('link[rel="icon"][type="image/svg+xml"]')).toHaveCount(1);
    await expect(head.locator('link[rel="apple-touch-icon"]')).toHaveCount(1);
    const ogImage = await head.locator('meta[property="og:image"]').getAttribute("content");
    expect(ogImage).toMatch(/^https?:\/\/[^/]+\/og-image\.png$/);
    await expect(head.locator('meta[name="twitter:card"]')).toHaveAttribute("content", "summary_large_image");

    for (const [path, type] of [
      ["/favicon.ico", /image\/(x-icon|vnd\.microsoft\.icon)/],
      ["/icon.svg", /image\/svg\+xml/],
      ["/logo.svg", /image\/svg\+xml/],
      ["/apple-touch-icon.png", /image\/png/],
      [new URL(ogImage!).pathname, /image\/png/],
    ] as const) {
      const res = await request.get(path);
      expect(res.status(), path).toBe(200);
      expect(res.headers()["content-type"], path).toMatch(type);
      expect((await res.body()).length, path).toBeGreaterThan(100);
    }
  });

  test("the sign-in page shows the logo too", async ({ browser }) => {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await page.goto("/signin");
    const logo = page.getByTestId("logo");
    await expect(logo).toBeVisible();
    expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await context.close();
  });
});
