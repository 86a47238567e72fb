// The real server as a child process, for the tests that stop it (SIGTERM, SIGKILL) under load:
// `server.ts --api-only` (the composition root with the public API, no Next, so no build is
// needed), its output kept, its port read from the "listening on" line. Plus the keep-alive POST
// and the polling wait those tests share.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";

export interface ServerProcess {
  child: ChildProcess;
  /** The port it listens on (rejects when it exits first, with its output). */
  port: Promise<number>;
  /** Its exit, and when (ms since the epoch). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
}

/**
 * Starts `server.ts --api-only` in production mode on a free port of 127.0.0.1, with the test's
 * environment (the real Claude API variables removed) and `env` on top. The test kills it.
 * `split`: instead the same entry with its web process (tests/integration/split-server.ts: the
 * front and a stand-in for Next in a child process behind the front's proxy).
 */
export function startServerProcess(env: Record<string, string>, options: { split?: boolean } = {}): ServerProcess {
  const { ANTHROPIC_API_KEY: _key, ANTHROPIC_BASE_URL: _base, ...inherited } = process.env;
  const entry = options.split ? ["tests/integration/split-server.ts"] : ["server.ts", "--api-only"];
  const child = spawn(process.execPath, ["--import", "tsx", ...entry], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env: { ...inherited, PORT: "0", PROMPTDECK_HOST: "127.0.0.1", DATABASE_POOL_MAX: "4", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const port = new Promise<number>((resolve, reject) => {
    const check = () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout?.on("data", check);
    void exited.then(({ code }) => reject(new Error(`server exited before listening (${code}):\n${out}`)));
  });
  return { child, port, exited, output: () => out };
}

/** POSTs JSON with a Bearer key through `agent` (false: a connection of its own); a request without an answer within `timeoutMs` fails as a hang. */
export function postJson(
  port: number,
  urlPath: string,
  body: unknown,
  key: string,
  agent: http.Agent | false,
  timeoutMs = 30_000,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload), Authorization: `Bearer ${key}` },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s (hang)`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Polls `condition` every `intervalMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
