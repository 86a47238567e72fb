import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_MODEL_CATALOG } from "@/lib/models/catalog";
import { hashApiKey, API_KEY_SCOPES } from "@/lib/auth/api-keys";
import { hashVersionContent } from "@/lib/prompts/content-hash";
import { parseVersionContent } from "@/lib/prompts/schemas";
import { checkContract } from "@/lib/prompts/contract";
import { authenticateUser } from "@/lib/users/queries";
import { findMembership, listApiKeys, listMembers, listProjectsForUser } from "@/lib/projects/queries";
import { listPrompts } from "@/lib/prompts/queries";
import { DEFAULT_DEMO_API_KEY, DEMO_DATASET_NAME, DEMO_TICKETS, seedDemo } from "@/prisma/seed";
import { getDatasetByName, listItems } from "@/lib/datasets/queries";
import { resolveVariables } from "@/lib/prompts/render";
import { freshPGliteDatabase } from "./fresh-pglite";

// Runs on its own in-memory PGlite (real migrations) so counts are exact and the shared test
// database is left alone.
const freshDatabase = freshPGliteDatabase;

describe("demo seed", () => {
  let ctx: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    ctx = await freshDatabase();
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("seeds users, project, API key and returns the documented credentials", async () => {
    const creds = await seedDemo(ctx.db, { traffic: false });
    expect(creds).toEqual({
      adminEmail: "demo@promptdeck.dev",
      viewerEmail: "viewer@promptdeck.dev",
      password: "promptdeck",
      apiKey: process.env.PROMPTDECK_DEMO_API_KEY ?? DEFAULT_DEMO_API_KEY,
      projectSlug: "demo",
    });

    const admin = await authenticateUser({ email: creds.adminEmail, password: creds.password }, ctx.db);
    const viewer = await authenticateUser({ email: creds.viewerEmail, password: creds.password }, ctx.db);
    expect(admin).not.toBeNull();
    expect(viewer).not.toBeNull();
    expect((await findMembership(admin!.id, "demo", ctx.db))?.role).toBe("ADMIN");
    expect((await findMembership(viewer!.id, "demo", ctx.db))?.role).toBe("VIEWER");
    const [project] = await listProjectsForUser(viewer!.id, ctx.db);
    expect(project).toMatchObject({ slug: "demo", name: "Acme Support", role: "VIEWER" });
    expect((await listMembers(project!.id, ctx.db)).map((m) => m.role)).toEqual(["ADMIN", "VIEWER"]);

    const key = await ctx.db.apiKey.findUniqueOrThrow({ where: { hash: hashApiKey(creds.apiKey) } });
    expect(key.prefix).toBe(creds.apiKey.slice(0, 11));
    expect([...key.scopes].sort()).toEqual([...API_KEY_SCOPES].sort());
    expect(key.revokedAt).toBeNull();
    const listed = await listApiKeys(project!.id, ctx.db);
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(key.hash);

    expect(await ctx.db.modelPrice.count()).toBe(SEED_MODEL_CATALOG.length);
    const sonnet = await ctx.db.modelPrice.findUniqueOrThrow({ where: { model: "claude-sonnet-5-5" } });
    expect(sonnet.inputPerMTok).toBe(2_000_000n);
  });

  it("stores valid version content with matching content hashes", async () => {
    const versions = await ctx.db.promptVersion.findMany({ include: { prompt: true } });
    expect(versions.length).toBeGreaterThanOrEqual(9);
    // The support assistant and the ticket classifier each have a draft.
    expect(versions.filter((v) => v.status === "DRAFT")).toHaveLength(2);
    for (const v of versions) {
      const content = parseVersionContent(v); // throws on an invalid shape
      expect(checkContract(content).errors, `${v.prompt.name} ${v.major}.${v.minor}.${v.patch}`).toEqual([]);
      expect(v.contentHash).toBe(
        hashVersionContent({
          system: v.system,
          messages: v.messages,
          variables: v.variables,
          modelConfig: v.modelConfig,
          outputSchema: v.outputSchema,
          policy: v.policy,
          snippets: v.snippetPins,
        }),
      );
      if (v.status === "PUBLISHED") {
        expect(v.publishedAt).not.toBeNull();
        expect(v.changelog.length).toBeGreaterThan(0);
      }
    }
    const support = versions.find((v) => v.prompt.name === "support-assistant" && v.major === 1 && v.minor === 2);
    const reference = parseVersionContent(support).system.find((b) => b.role === "reference");
    expect(reference?.cache_control).toEqual({ type: "ephemeral", ttl: "1h" });
    expect(reference?.text.length).toBeGreaterThan(4000);
    const invoice = versions.find((v) => v.prompt.name === "invoice-extractor" && v.major === 2);
    expect(parseVersionContent(invoice).outputSchema.format).toBe("json");
    // The shared policy snippet: pinned by support-email-reply (which has an optional section), included by the support draft.
    expect(versions.find((v) => v.prompt.name === "support-policy")?.prompt.kind).toBe("SNIPPET");
    const reply = parseVersionContent(versions.find((v) => v.prompt.name === "support-email-reply"));
    expect(reply.snippets?.map((p) => `${p.key} -> ${p.version}`)).toEqual(["support-policy@production -> 1.0.0"]);
    expect(reply.messages[0]?.content[0]?.text).toContain("{{#order_id}}");
    const supportDraft = versions.find((v) => v.prompt.name === "support-assistant" && v.status === "DRAFT");
    expect(JSON.stringify(supportDraft?.system)).toContain("{{> support-policy@production}}");
  });

  it("points labels at published versions with a consistent event history", async () => {
    const labels = await ctx.db.label.findMany({
      include: { version: true, prompt: true, events: { orderBy: { at: "asc" } } },
    });
    // 11 + task-router's production label (the routing demo).
    expect(labels).toHaveLength(12);
    for (const label of labels) {
      expect(label.version.status).toBe("PUBLISHED");
      expect(label.protected).toBe(label.name === "production");
      expect(label.events.length).toBeGreaterThan(0);
      expect(label.events[0]?.fromVersionId).toBeNull();
      expect(label.events.at(-1)?.toVersionId).toBe(label.versionId);
      for (let i = 1; i < label.events.length; i++) {
        expect(label.events[i]?.fromVersionId).toBe(label.events[i - 1]?.toVersionId);
      }
    }

    const project = await ctx.db.project.findUniqueOrThrow({ where: { slug: "demo" } });
    const summaries = (await listPrompts(project.id, {}, ctx.db)).items;
    // Most recently updated first (the support assistant has yesterday's draft).
    // Prompts only: the support-policy snippet is listed with kind "any" (the dashboard's list).
    expect(summaries.map((s) => s.name)).toEqual([
      "support-assistant",
      "task-router",
      "chat-companion",
      "support-agent",
      "invoice-extractor",
      "ticket-classifier",
      "support-email-reply",
      "ticket-judge",
    ]);
    expect((await listPrompts(project.id, { kind: "any" }, ctx.db)).items.find((s) => s.name === "support-policy")?.kind).toBe("SNIPPET");
    const support = summaries.find((s) => s.name === "support-assistant");
    // 3 published versions and the draft (which owns no version number until it is published).
    expect(support).toMatchObject({ latestVersion: "1.2.0", hasDraft: true, versionCount: 3 });
    expect(support?.labels.map((l) => `${l.name}@${l.version}`)).toEqual(["production@1.2.0", "staging@1.2.0"]);
    const invoice = summaries.find((s) => s.name === "invoice-extractor");
    expect(invoice?.labels.map((l) => `${l.name}@${l.version}`)).toEqual(["production@1.1.0", "staging@2.0.0"]);
  });

  it("seeds a support-ticket dataset whose items fit the ticket classifier's contract, with expected JSON", async () => {
    const project = await ctx.db.project.findUniqueOrThrow({ where: { slug: "demo" } });
    const dataset = await getDatasetByName(project.id, DEMO_DATASET_NAME, ctx.db);
    expect(dataset).toMatchObject({ latestVersion: 1, itemCount: DEMO_TICKETS.length });
    expect(DEMO_TICKETS.length).toBeGreaterThanOrEqual(40);
    const page = await listItems(dataset!.id, { limit: 1000 }, ctx.db);
    expect(page.total).toBe(DEMO_TICKETS.length);
    const classifier = await ctx.db.label.findFirstOrThrow({
      where: { name: "production", prompt: { projectId: project.id, name: "ticket-classifier" } },
      include: { version: true },
    });
    const content = parseVersionContent(classifier.version);
    const categories = (content.outputSchema as unknown as { schema: { properties: { category: { enum: string[] } } } }).schema.properties.category.enum;
    for (const item of page.items) {
      expect(() => resolveVariables(content.variables, item.variables as Record<string, string>), item.key).not.toThrow();
      expect(categories).toContain((item.expected as { category: string }).category);
    }
  });

  it("seeds issue 15's parts: a tool-using agent with a chat history, a chat prompt, and a prompt pinning the policy snippet", async () => {
    const project = await ctx.db.project.findUniqueOrThrow({ where: { slug: "demo" } });
    const served = async (name: string) => {
      const label = await ctx.db.label.findFirstOrThrow({ where: { name: "production", prompt: { projectId: project.id, name } }, include: { version: true } });
      return { content: parseVersionContent(label.version), pins: label.version.snippetPins };
    };
    const agent = (await served("support-agent")).content;
    expect(agent.modelConfig.tools?.map((t) => t.name)).toEqual(["lookup_order", "issue_refund"]);
    expect(agent.modelConfig.tools?.at(-1)?.cache_control).toEqual({ type: "ephemeral" });
    expect(agent.variables.history).toMatchObject({ type: "messages", position: 0 });
    const chat = (await served("chat-companion")).content;
    expect(Object.values(chat.variables).filter((v) => v.type === "messages")).toHaveLength(1);
    expect(checkContract(chat).errors).toEqual([]);
    const reply = await served("support-email-reply");
    expect(JSON.stringify(reply.content.system)).toContain("{{> support-policy@production}}");
    expect(reply.pins).toEqual([expect.objectContaining({ name: "support-policy", version: "1.0.0" })]);
  });

  it("is idempotent: a second run changes nothing", async () => {
    const before = await Promise.all([ctx.db.user.count(), ctx.db.promptVersion.count(), ctx.db.labelEvent.count(), ctx.db.apiKey.count()]);
    const creds = await seedDemo(ctx.db, { traffic: false });
    expect(creds.projectSlug).toBe("demo");
    const after = await Promise.all([ctx.db.user.count(), ctx.db.promptVersion.count(), ctx.db.labelEvent.count(), ctx.db.apiKey.count()]);
    expect(after).toEqual(before);
  });
});
