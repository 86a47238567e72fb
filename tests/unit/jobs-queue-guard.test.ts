// The guard on pg-boss's un-awaited settlements (lib/jobs/queue.ts) wraps the manager's complete
// and fail; PgBoss publishes those under their function names, so a wrapper with another name made
// boss.complete / boss.fail vanish (every handled job then failed and was retried).
import { describe, expect, it } from "vitest";
import { JobQueue } from "@/lib/jobs/queue";

describe("JobQueue's pg-boss", () => {
  it("keeps complete and fail callable after the settlement guard is installed", () => {
    const definition = { name: "guard-test", key: (job: { id: string }) => job.id, expireInSeconds: 60, retryLimit: 1, retryDelaySeconds: 1 };
    const first = new JobQueue(definition, { connectionString: "postgresql://127.0.0.1:1/none" });
    const second = new JobQueue(definition, { connectionString: "postgresql://127.0.0.1:1/none" });
    for (const queue of [first, second]) {
      const boss = queue.boss as unknown as Record<string, unknown>;
      expect(typeof boss.complete).toBe("function");
      expect(typeof boss.fail).toBe("function");
      expect(boss.settle).toBeUndefined();
    }
  });
});
