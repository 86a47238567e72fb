import { describe, expect, it } from "vitest";
import { Lifecycle, type Component, type Stage } from "@/lib/runtime/lifecycle";

function recorder() {
  const events: string[] = [];
  const component = (name: string, stage: Stage, extra: Partial<Component> = {}): Component => ({
    name,
    stage,
    start: () => void events.push(`start ${name}`),
    stop: () => void events.push(`stop ${name}`),
    ...extra,
  });
  return { events, component };
}

describe("Lifecycle", () => {
  it("starts pools, calls, services, serving; stops serving, calls (flush), services, pools; reverse within a stage", async () => {
    const { events, component } = recorder();
    const lifecycle = new Lifecycle();
    // Added out of stage order on purpose: the stage decides, then the order of registration.
    lifecycle.add(component("http", "serving"));
    lifecycle.add(component("feed", "services"));
    lifecycle.add(component("db", "pools"));
    lifecycle.add(component("writer", "calls"));
    lifecycle.add(component("pruner", "services"));
    lifecycle.add(component("writer pool", "pools"));
    await lifecycle.start();
    expect(events.splice(0)).toEqual(["start db", "start writer pool", "start writer", "start feed", "start pruner", "start http"]);
    const report = await lifecycle.stop("test");
    expect(events).toEqual(["stop http", "stop writer", "stop pruner", "stop feed", "stop writer pool", "stop db"]);
    expect(report).toMatchObject({ ok: true, reason: "test" });
    expect(report.steps.map((s) => s.name)).toEqual(["http", "writer", "pruner", "feed", "writer pool", "db"]);
  });

  it("lists what it owns with a detail line and a state", async () => {
    const lifecycle = new Lifecycle();
    let mode = "connecting";
    lifecycle.add({ name: "feed", stage: "services", describe: () => `change feed ${mode}`, start: () => void (mode = "listen") });
    lifecycle.add({ name: "db", stage: "pools", describe: () => "max 4" });
    expect(lifecycle.components).toEqual([
      { name: "db", stage: "pools", detail: "max 4", state: "created" },
      { name: "feed", stage: "services", detail: "change feed connecting", state: "created" },
    ]);
    await lifecycle.start();
    expect(lifecycle.components.map((c) => [c.name, c.detail, c.state])).toEqual([
      ["db", "max 4", "running"],
      ["feed", "change feed listen", "running"],
    ]);
    expect(() => lifecycle.add({ name: "late", stage: "services" })).toThrow(/has started/);
  });

  it("refuses two components with one name", () => {
    const lifecycle = new Lifecycle();
    lifecycle.add({ name: "db", stage: "pools" });
    expect(() => lifecycle.add({ name: "db", stage: "pools" })).toThrow(/already registered/);
  });

  it("reports a failing or slow stop and still stops the rest", async () => {
    const { events, component } = recorder();
    const lifecycle = new Lifecycle();
    lifecycle.add(component("db", "pools"));
    lifecycle.add(component("writer", "calls", { stop: () => Promise.reject(new Error("database down")) }));
    lifecycle.add(component("feed", "services", { stopTimeoutMs: 20, stop: () => new Promise(() => {}) }));
    await lifecycle.start();
    const report = await lifecycle.stop();
    expect(report.ok).toBe(false);
    expect(report.steps).toEqual([
      expect.objectContaining({ name: "writer", ok: false, error: "database down" }),
      expect.objectContaining({ name: "feed", ok: false, error: "stopping feed did not finish within 20 ms" }),
      expect.objectContaining({ name: "db", ok: true }),
    ]);
    expect(events).toContain("stop db");
  });

  it("stop is one path: calling it again returns the same report", async () => {
    const { events, component } = recorder();
    const lifecycle = new Lifecycle();
    lifecycle.add(component("db", "pools"));
    await lifecycle.start();
    const [a, b] = await Promise.all([lifecycle.stop("SIGTERM"), lifecycle.stop("SIGINT")]);
    expect(a).toBe(b);
    expect(events.filter((e) => e === "stop db")).toHaveLength(1);
  });

  it("a failed start stops what was started, in order, and rethrows", async () => {
    const { events, component } = recorder();
    const lifecycle = new Lifecycle();
    lifecycle.add(component("db", "pools"));
    lifecycle.add(component("writer", "calls"));
    lifecycle.add(component("http", "serving", { start: () => Promise.reject(new Error("EADDRINUSE")) }));
    lifecycle.add(component("feed", "services"));
    await expect(lifecycle.start()).rejects.toThrow("EADDRINUSE");
    expect(events).toEqual(["start db", "start writer", "start feed", "stop writer", "stop feed", "stop db"]);
    expect(lifecycle.components.find((c) => c.name === "http")?.state).toBe("failed");
  });

  it("a stop during start lets the starting component finish, skips the rest, and stops what runs", async () => {
    const { events, component } = recorder();
    const lifecycle = new Lifecycle();
    let release!: () => void;
    lifecycle.add(component("db", "pools"));
    lifecycle.add(
      component("feed", "services", { start: () => new Promise<void>((resolve) => (release = resolve)).then(() => void events.push("start feed")) }),
    );
    lifecycle.add(component("http", "serving"));
    const starting = lifecycle.start();
    await new Promise((resolve) => setImmediate(resolve));
    const stopping = lifecycle.stop("SIGTERM");
    release();
    await starting;
    await stopping;
    expect(events).toEqual(["start db", "start feed", "stop feed", "stop db"]);
  });
});
