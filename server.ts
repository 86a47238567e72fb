// The app's HTTP entry: one node:http server. The public API (/api/v1/**, Langfuse-compatible
// /api/public/v2/prompts**) is answered by the lean handler in lib/http/api-v1.ts without going
// through Next's router (see DESIGN.md "The hot path"); every other request goes to Next.
//
//   tsx server.ts            production (needs `next build`), NODE_ENV=production
//   tsx server.ts --dev      development (Next dev server with HMR)
//
// Reads PORT (default 3000), PROMPTDECK_HOST (bind address, default 0.0.0.0; HOSTNAME is honoured
// only when it is an IP address or "localhost", since shells and containers set it to the machine
// name) and DATABASE_URL.
import http from "node:http";
import { isIP } from "node:net";
import path from "node:path";
import next from "next";
import { getApiV1Handler } from "@/lib/http/api-v1";
import { closeCallLogWriter } from "@/lib/metrics/call-log-writer";
import { RollupPruner } from "@/lib/metrics/prune";

const dev = process.argv.includes("--dev") || process.env.NODE_ENV === "development";
const port = Number(process.env.PORT ?? 3000);
const envHostname = process.env.HOSTNAME;
const hostname =
  process.env.PROMPTDECK_HOST ?? (envHostname && (envHostname === "localhost" || isIP(envHostname) !== 0) ? envHostname : "0.0.0.0");
const dir = path.resolve(import.meta.dirname);

process.env.NEXT_TELEMETRY_DISABLED ??= "1";

const app = next({ dev, dir, hostname, port });
const api = getApiV1Handler();
await Promise.all([app.prepare(), api.start()]);
const handleNext = app.getRequestHandler();
// Hourly, first after a minute: drops minute rollups past their retention (one instance at a time).
const pruner = process.env.DATABASE_URL ? new RollupPruner({ connectionString: process.env.DATABASE_URL }) : undefined;
pruner?.start();

const server = http.createServer((req, res) => {
  void api.handle(req, res).then((handled) => {
    if (!handled) return handleNext(req, res);
  }).catch((error: unknown) => {
    console.error("[server] request failed", error);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, hostname, () => {
  console.log(`[server] Promptdeck ${dev ? "(dev) " : ""}on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port} (API v1: lean handler, feed: ${api.feed?.mode ?? "off"})`);
});

let closing = false;
const shutdown = (signal: NodeJS.Signals) => {
  if (closing) process.exit(1);
  closing = true;
  console.log(`[server] ${signal}: shutting down`);
  server.close();
  // Calls accepted before the signal are flushed to the log before the process exits.
  void Promise.allSettled([api.stop(), app.close(), closeCallLogWriter(), pruner?.stop()]).finally(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
