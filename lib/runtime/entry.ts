/**
 * What the HTTP entry (server.ts) does, framework-free so a test entry can run it with a stand-in
 * for Next: read the role and the address from argv and the environment, then
 *
 * - the front (default): the composition root with the public API, the workers and pruners, and
 *   the web app in a child process (`<entry> --web`, lib/runtime/web-process.ts) behind a
 *   loopback proxy; Next is never loaded in this process;
 * - `--api-only`: the front without the web process (other paths answer a JSON 404);
 * - `--web`: the web process, started by the front (lib/runtime/web-child.ts).
 *
 * `--dev` (or NODE_ENV=development) runs the web app in development mode; it splits the same way.
 * Reads PORT (default 3000; 0 = a free port), PROMPTDECK_HOST (bind address, default 0.0.0.0;
 * HOSTNAME is honoured only when it is an IP address or "localhost", since shells and containers
 * set it to the machine name) through lib/env.ts.
 */
import { isIP } from "node:net";
import { getEnv } from "@/lib/env";
import { childLogger } from "@/lib/logger";
import { createProcessRuntime, type ProcessRuntime, type WebApp } from "./process";
import { runWebChild } from "./web-child";

export interface WebAppSpec {
  dev: boolean;
  /** The address clients use (the front's), for the web app's own URLs. */
  hostname: string;
  port: number;
}

export interface ServerEntryOptions {
  /** The entry file (import.meta.filename): the front forks it with `--web`. */
  entry: string;
  /** Creates the web app; called in the web process only. */
  createWeb: (spec: WebAppSpec) => Promise<WebApp> | WebApp;
  /** Shown in the front's `owns:` line, e.g. "next production". */
  describeWeb: (dev: boolean) => string;
  argv?: string[];
}

export type ServerEntry = { role: "front"; runtime: ProcessRuntime; dev: boolean; apiOnly: boolean } | { role: "web" } | { role: "stopped" };

/**
 * Runs the entry (see the file comment). Exits the process with 1 when the start fails. The
 * front's runtime comes back once it listens (the caller prints the "listening on" line); the
 * web process reports to its front instead.
 */
export async function runServerEntry(options: ServerEntryOptions): Promise<ServerEntry> {
  const log = childLogger({ component: "server" });
  const argv = options.argv ?? process.argv;
  const env = getEnv();
  const dev = argv.includes("--dev") || env.NODE_ENV === "development";
  const apiOnly = argv.includes("--api-only");
  const port = env.PORT;
  const envHostname = env.HOSTNAME;
  const hostname = env.PROMPTDECK_HOST ?? (envHostname && (envHostname === "localhost" || isIP(envHostname) !== 0) ? envHostname : "0.0.0.0");
  try {
    if (argv.includes("--web")) {
      await runWebChild({ createWeb: () => options.createWeb({ dev, hostname, port }) });
      return { role: "web" };
    }
    const runtime = createProcessRuntime({
      http: {
        port,
        hostname,
        webProcess: apiOnly ? undefined : { entry: options.entry, args: ["--web", ...(dev ? ["--dev"] : [])], description: options.describeWeb(dev) },
      },
    });
    runtime.handleSignals();
    await runtime.start();
    // No URL: a signal arrived during startup and the shutdown is under way.
    return runtime.url ? { role: "front", runtime, dev, apiOnly } : { role: "stopped" };
  } catch (error) {
    log.fatal({ err: error }, "could not start");
    process.exit(1);
  }
}
