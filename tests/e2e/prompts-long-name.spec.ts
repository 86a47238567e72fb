import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT, snap } from "./fixtures";
import { createPromptViaUi, uniqueName } from "./prompts-helpers";

// Issue 18, defect 6: one allowed 128-character name must not push the Labels, Last published and
// Updated columns of every row out of sight.
test.use({ storageState: ADMIN_STATE });

test("a 128-character prompt name is truncated with a tooltip and the list keeps every column in view", async ({ page }) => {
  const base = uniqueName("long");
  const name = `${base}-${"x".repeat(128 - base.length - 1)}`;
  expect(name).toHaveLength(128);
  await createPromptViaUi(page, name);

  // Unfiltered: the long name sits among the other rows; every row keeps its columns in view.
  await page.goto(`/p/${PROJECT}/prompts?sort=updated`);
  const table = page.getByTestId("prompt-table");
  const row = table.getByTestId("prompt-row").filter({ hasText: name });
  await expect(row).toHaveCount(1);
  for (const header of ["Labels", "Last published", "Updated"]) {
    await expect(table.getByRole("columnheader", { name: header })).toBeInViewport({ ratio: 1 });
  }
  for (const r of [row, table.getByTestId("prompt-row").first()]) {
    for (const column of [2, 3, 4]) await expect(r.locator("td").nth(column)).toBeInViewport({ ratio: 1 });
  }
  await expect(row.getByTestId("prompt-name")).toHaveAttribute("title", name);
  await snap(page, "registry-list-long-name", "light");

  // On a narrow screen the table scrolls sideways instead of clipping the last columns.
  await page.setViewportSize({ width: 640, height: 860 });
  const updated = row.locator("td").nth(4);
  await updated.scrollIntoViewIfNeeded();
  await expect(updated).toBeInViewport({ ratio: 1 });
  await snap(page, "registry-list-long-name-narrow", "light");
});
