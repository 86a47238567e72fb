import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { ADMIN_STATE, PROJECT } from "./fixtures";

// Server actions are protected from cross-site requests by Next's origin check: `Origin` must match
// `X-Forwarded-Host` (when present) or `Host`. Anyone can send X-Forwarded-Host, so the server drops
// it unless PROMPTDECK_TRUST_PROXY=1 (lib/http/proxy.ts); a forged one must not let a foreign
// origin run an action with the victim's session (issue 17, item 10).

/** The id Next gave a server action in this build (what the browser sends as `Next-Action`). */
function actionId(file: string, exportedName: string): string {
  const manifest = JSON.parse(readFileSync(path.join(process.cwd(), ".next/server/server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { filename: string; exportedName: string }>;
  };
  for (const [id, entry] of Object.entries(manifest.node)) {
    if (entry.filename === file && entry.exportedName === exportedName) return id;
  }
  throw new Error(`no server action ${exportedName} in ${file}`);
}

test.describe("server actions and forwarded headers", () => {
  test.use({ storageState: ADMIN_STATE });

  test("a cross-origin action with a forged X-Forwarded-Host is refused; the same origin runs it", async ({ request, baseURL }) => {
    const id = actionId("app/(dashboard)/p/[project]/settings/actions.ts", "revokeApiKeyAction");
    const call = (headers: Record<string, string>) =>
      request.post(`/p/${PROJECT}/settings`, {
        headers: { "Next-Action": id, Accept: "text/x-component", "Content-Type": "text/plain;charset=UTF-8", ...headers },
        data: JSON.stringify([{ project: PROJECT, apiKeyId: "k-does-not-exist" }]),
      });

    const forged = await call({ Origin: "https://evil.example", "X-Forwarded-Host": "evil.example" });
    expect(forged.status()).toBe(500);
    expect(await forged.text()).not.toContain("does not exist in the project");

    const crossOrigin = await call({ Origin: "https://evil.example" });
    expect(crossOrigin.status()).toBe(500);

    // The same origin reaches the action, which answers for the unknown key.
    const same = await call({ Origin: baseURL! });
    expect(same.status()).toBe(200);
    expect(await same.text()).toContain("does not exist in the project");
  });
});
