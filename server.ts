// The app's HTTP entry (lib/runtime/entry.ts does the work; this file only makes Next, and is the
// only file that imports it). Two processes, one command:
//
// - the front (this process): the composition root (lib/runtime/process.ts) with the pools, the
//   call-log writer, the Claude endpoint, the public API (/api/v1/**, Langfuse-compatible
//   /api/public/v2/prompts**, answered by a lean node:http handler; see lib/serving/README.md),
//   the workers and pruners, and the node:http server. Next is never loaded here: its
//   AsyncLocalStorages would tax every request of the API.
// - the web process (`server.ts --web`, forked by the front): Next (the dashboard, server
//   actions) with a runtime of its own, reached through a loopback proxy; restarted if it dies,
//   stopped after the front's drain on SIGTERM/SIGINT (lib/runtime/web-process.ts).
//
//   tsx server.ts            production (needs `next build`), NODE_ENV=production
//   tsx server.ts --dev      development (Next dev server with HMR, in the web process too)
//   tsx server.ts --api-only the public API without Next (no build needed; other paths are 404)
//
// Reads PORT, PROMPTDECK_HOST / HOSTNAME and DATABASE_URL through lib/env.ts (a bad value stops
// the start with the variable's name).
import path from "node:path";
import { runServerEntry } from "@/lib/runtime/entry";

process.env.NEXT_TELEMETRY_DISABLED ??= "1";

const started = await runServerEntry({
  entry: import.meta.filename,
  describeWeb: (dev) => `next ${dev ? "dev" : "production"}`,
  async createWeb({ dev, hostname, port }) {
    const { default: next } = await import("next");
    const app = next({ dev, dir: path.resolve(import.meta.dirname), hostname, port });
    return {
      description: `next ${dev ? "dev" : "production"}`,
      prepare: () => app.prepare(),
      getRequestHandler: () => app.getRequestHandler(),
      close: () => app.close(),
    };
  },
});
// Plain stdout, whatever LOG_LEVEL says: the launchers (scripts/), the people running them and
// tests wait for this line, printed once the web process is ready too.
if (started.role === "front")
  console.log(`[server] Promptdeck ${started.dev ? "(dev) " : ""}${started.apiOnly ? "(API only) " : ""}listening on ${started.runtime.url}`);
