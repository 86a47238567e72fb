import { expect, test, type APIRequestContext } from "@playwright/test";
import { ADMIN_STATE, PROJECT, watchConsole } from "./fixtures";
import { DEMO_API_AUTH, createExperimentByApi, makeQuestionPrompt } from "./experiment-api";

// Issue 12: an experiment can use a dataset as its traffic source. A PM picks a dataset (and one
// of its versions) in the running experiment's send-traffic form: each item of that version is
// sent once through the split and counted under its variant; a version that does not exist is
// refused with a message naming the versions there are. Prompt, dataset and experiment are the
// test's own (created through the public API with the demo key).

const auth = DEMO_API_AUTH;

async function ok(response: Promise<{ status(): number; text(): Promise<string> }>, status: number): Promise<void> {
  const res = await response;
  expect(res.status(), await res.text()).toBe(status);
}

async function setUp(request: APIRequestContext, name: string): Promise<string> {
  await makeQuestionPrompt(request, name, ["You answer in one sentence.", "You answer in one warm sentence."], 128);

  await ok(request.post("/api/v1/datasets", { headers: auth, data: { name, description: "Questions for an experiment" } }), 201);
  const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: `q${from + i}`, variables: { question: `Question ${from + i}?` } }));
  await ok(request.post(`/api/v1/datasets/${name}/items`, { headers: auth, data: { items: items(0, 10), note: "ten questions" } }), 201);
  await ok(request.post(`/api/v1/datasets/${name}/items`, { headers: auth, data: { items: items(10, 4) } }), 201);

  const { id } = await createExperimentByApi(request, { prompt: name, name: `Dataset traffic ${name}` });
  await ok(request.post(`/api/v1/experiments/${id}/start`, { headers: auth }), 200);
  return id;
}

test.use({ storageState: ADMIN_STATE });

test("send a dataset version's items once each through a running experiment; an unknown version is refused", async ({ page, request }) => {
  test.setTimeout(120_000);
  const name = `e2e-ds-traffic-${Date.now().toString(36)}`;
  const id = await setUp(request, name);
  const console = watchConsole(page);

  await page.goto(`/p/${PROJECT}/experiments/${id}`);
  await expect(page.getByTestId("experiment-status")).toHaveText("running");
  await page.getByLabel("Traffic inputs").selectOption("dataset");
  const dataset = page.getByLabel("Dataset", { exact: true });
  await dataset.selectOption(name);
  await expect(dataset.locator("option:checked")).toHaveText(`${name} (14 items, v2)`);
  await expect(page.getByLabel("Dataset version")).toHaveAttribute("placeholder", "2 (latest)");

  // A version the dataset does not have: refused, nothing sent.
  await page.getByLabel("Dataset version").fill("7");
  await page.getByRole("button", { name: "Send traffic" }).click();
  await expect(page.getByTestId("form-error")).toHaveText(`Dataset "${name}" has versions 1 to 2, not 7`);
  await expect(page.getByTestId("traffic-progress")).toHaveCount(0);

  // Version 1: its ten items, each once.
  await page.getByLabel("Dataset version").fill("1");
  await page.getByRole("button", { name: "Send traffic" }).click();
  await expect(page.getByTestId("form-error")).toHaveCount(0);
  await expect(page.getByTestId("traffic-status")).toHaveText("done", { timeout: 90_000 });
  await expect(page.getByTestId("traffic-progress")).toContainText("10 of 10 calls (10 answered, 0 failed");
  await expect
    .poll(async () => Number((await page.getByTestId("calls-A").textContent()) ?? 0) + Number((await page.getByTestId("calls-B").textContent()) ?? 0), {
      timeout: 20_000,
    })
    .toBe(10);
  expect(console.errors).toEqual([]);
});
