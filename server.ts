// The app's HTTP entry: creates Next (the only file that imports it) and hands it to the
// composition root (lib/runtime/process.ts), which owns everything else this process runs: the
// pools, the call-log writer, the Claude endpoint, the public API (/api/v1/**, Langfuse-compatible
// /api/public/v2/prompts**, answered without Next's router; see lib/serving/README.md), the
// rollup pruner and the node:http server, and stops them in order on SIGTERM/SIGINT.
//
//   tsx server.ts            production (needs `next build`), NODE_ENV=production
//   tsx server.ts --dev      development (Next dev server with HMR)
//   tsx server.ts --api-only the public API without Next (no build needed; other paths are 404)
//
// Reads PORT (default 3000; 0 = a free port), PROMPTDECK_HOST (bind address, default 0.0.0.0;
// HOSTNAME is honoured only when it is an IP address or "localhost", since shells and containers
// set it to the machine name) and DATABASE_URL, all through lib/env.ts (a bad value stops the
// start with the variable's name).
import { isIP } from "node:net";
import path from "node:path";
import next from "next";
import { getEnv } from "@/lib/env";
import { childLogger } from "@/lib/logger";
import { createProcessRuntime, type ProcessRuntime, type WebApp } from "@/lib/runtime/process";

const env = getEnv();
const log = childLogger({ component: "server" });
const dev = process.argv.includes("--dev") || env.NODE_ENV === "development";
const apiOnly = process.argv.includes("--api-only");
const port = env.PORT;
const envHostname = env.HOSTNAME;
const hostname = env.PROMPTDECK_HOST ?? (envHostname && (envHostname === "localhost" || isIP(envHostname) !== 0) ? envHostname : "0.0.0.0");

process.env.NEXT_TELEMETRY_DISABLED ??= "1";

function nextApp(): WebApp {
  const app = next({ dev, dir: path.resolve(import.meta.dirname), hostname, port });
  return {
    description: `next ${dev ? "dev" : "production"}`,
    prepare: () => app.prepare(),
    getRequestHandler: () => app.getRequestHandler(),
    close: () => app.close(),
  };
}

let runtime: ProcessRuntime;
try {
  runtime = createProcessRuntime({ http: { port, hostname, web: apiOnly ? undefined : nextApp() } });
  runtime.handleSignals();
  await runtime.start();
} catch (error) {
  log.fatal({ err: error }, "could not start");
  process.exit(1);
}
// No URL: a signal arrived during startup and the shutdown is under way. Plain stdout, whatever
// LOG_LEVEL says: the launchers (scripts/), the people running them and tests wait for this line.
if (runtime.url) console.log(`[server] Promptdeck ${dev ? "(dev) " : ""}${apiOnly ? "(API only) " : ""}listening on ${runtime.url}`);
