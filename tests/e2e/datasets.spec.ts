import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, VIEWER_STATE, snap } from "./fixtures";
import { uniqueName } from "./prompts-helpers";

// Datasets as a new user meets them: create one, upload a CSV with a bad row (the row and column
// are named, nothing is imported), fix it and import, see and edit the items, and add a logged
// call from the call explorer. The viewer reads but cannot edit.

const BAD_CSV =
  "key,question,expected,tags\nt1,Where is my order?,Shipping,orders\nt2,Refund please,Refunds,billing,extra\nt3,Cancel my plan,Cancellations,billing\n";
const GOOD_CSV =
  "key,question,expected,tags\nt1,Where is my order?,Shipping,orders\nt2,Refund please,Refunds,billing\nt3,Cancel my plan,Cancellations,billing\n";

test.describe("datasets as the demo admin", () => {
  test.use({ storageState: ADMIN_STATE });

  test("create, a refused upload, import, edit an item, add a logged call", async ({ page }) => {
    test.setTimeout(180_000);
    const name = uniqueName("ds");
    await page.goto(`/p/${PROJECT}/datasets`);
    await page.getByTestId("new-dataset").click();
    // Client-side validation names the problem.
    await page.getByLabel("Name").fill("bad name!");
    await page.getByTestId("create-dataset").click();
    await expect(page.locator("#field-name-error")).toContainText("a dataset name starts with a letter or digit");
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Description").fill("Support tickets for evals");
    await page.getByTestId("create-dataset").click();
    await expect(page).toHaveURL(new RegExp(`/datasets/${name}$`));
    await expect(page.getByTestId("items-empty")).toBeVisible();

    // A CSV with one bad row: the row is named, nothing is imported.
    await page.getByTestId("import-link").click();
    await page.getByTestId("import-file").setInputFiles({ name: "tickets.csv", mimeType: "text/csv", buffer: Buffer.from(BAD_CSV) });
    const preview = page.getByTestId("import-preview");
    await expect(preview).toBeVisible();
    await expect(page.getByTestId("map-expected")).toHaveValue("expected");
    await expect(page.getByTestId("map-tags")).toHaveValue("tags");
    await expect(page.getByTestId("map-key")).toHaveValue("key");
    await snap(page, "datasets-import-preview", "light");
    await page.getByTestId("import-run").click();
    await expect(page.getByTestId("import-row-errors")).toBeVisible();
    await expect(page.getByTestId("import-row-error")).toHaveCount(1);
    await expect(page.getByTestId("import-row-error")).toContainText("has 5 cells; the header has 4 columns");
    await expect(page.getByTestId("import-row-error").locator("td").first()).toHaveText("3");
    await snap(page, "datasets-import-row-errors", "light");

    // Fixed file: imported, all three items shown.
    await page.getByTestId("import-file").setInputFiles({ name: "tickets.csv", mimeType: "text/csv", buffer: Buffer.from(GOOD_CSV) });
    await expect(preview).toBeVisible();
    await page.getByTestId("import-run").click();
    await expect(page).toHaveURL(new RegExp(`/datasets/${name}\\?version=1$`));
    await expect(page.getByTestId("items-total")).toHaveText("3 items");
    await expect(page.getByTestId("item-row")).toHaveCount(3);
    await expect(page.getByTestId("item-row").first()).toContainText("Where is my order?");

    // Edit one item: a new version; the old one keeps the old text.
    await page.getByTestId("item-edit").first().click();
    await page.getByTestId("item-variables").fill("{ not json");
    await page.getByTestId("item-save").click();
    await expect(page.getByTestId("item-error-variables")).toContainText("Variables is not valid JSON");
    await page.getByTestId("item-variables").fill('{"question": "Where is my parcel?"}');
    await page.getByTestId("item-expected").fill("Shipping status");
    await page.getByTestId("item-save").click();
    await expect(page).toHaveURL(new RegExp(`/datasets/${name}\\?version=2$`));
    await expect(page.getByTestId("item-row").first()).toContainText("Where is my parcel?");
    await expect(page.getByTestId("item-row").first().getByTestId("item-expected-cell")).toHaveText("Shipping status");
    await page.getByTestId("items-tag").selectOption("billing");
    await expect(page.getByTestId("item-row")).toHaveCount(2);
    await snap(page, "datasets-detail", "light");
    await page.getByTestId("version-picker").selectOption("1");
    await expect(page).toHaveURL(new RegExp(`/datasets/${name}\\?version=1$`));
    await expect(page.getByTestId("item-row").first()).toContainText("Where is my order?");

    // The list shows the item count.
    await page.goto(`/p/${PROJECT}/datasets`);
    const row = page.getByTestId("dataset-row").filter({ hasText: name });
    await expect(row.getByTestId("dataset-items")).toHaveText("3");

    // A logged call (from the playground, variables kept) added from the call explorer.
    await page.goto(`/p/${PROJECT}/prompts/support-assistant/playground`);
    await page.locator("#var-question").fill(`Dataset e2e question ${name}`);
    await page.getByTestId("run-button").click();
    await expect(page.getByTestId("result-a").getByTestId("result-status")).toHaveText("ok", { timeout: 60_000 });
    await page.goto(`/p/${PROJECT}/calls?prompt=support-assistant`);
    await page.getByTestId("filter-source").selectOption("playground");
    await expect(page.getByTestId("call-row").first()).toBeVisible();
    await page.getByTestId("call-select").first().check();
    const fromCalls = `${name}-calls`;
    await page.getByTestId("add-to-dataset-target").selectOption("__new__");
    await page.getByTestId("add-to-dataset-name").fill(fromCalls);
    await page.getByTestId("add-to-dataset-submit").click();
    await expect(page.getByTestId("add-to-dataset-message")).toContainText(`Added 1 call to ${fromCalls}`);
    await page.goto(`/p/${PROJECT}/datasets/${fromCalls}`);
    await expect(page.getByTestId("item-row")).toHaveCount(1);
    await expect(page.getByTestId("item-row").first()).toContainText(`Dataset e2e question ${name}`);
  });
});

test.describe("datasets as the demo viewer", () => {
  test.use({ storageState: VIEWER_STATE });

  test("reads datasets but cannot create or edit", async ({ page }) => {
    await page.goto(`/p/${PROJECT}/datasets`);
    await expect(page.getByRole("heading", { name: "Datasets" })).toBeVisible();
    await expect(page.getByTestId("new-dataset")).toHaveCount(0);
  });
});
