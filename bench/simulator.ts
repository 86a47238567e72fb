/**
 * Requests/s of a non-streaming `POST /v1/messages` against the Claude simulator (speed
 * "instant", so this measures the simulator's own cost: parsing, validation, token estimation,
 * cache accounting, generation, serialisation), next to a bare node:http server that answers
 * the same path with a fixed Message JSON of similar size (the floor for any node:http server
 * on this machine). Each server runs in its own process; autocannon drives it from this one.
 *
 * Run: npx tsx bench/simulator.ts [--seconds 8]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface AutocannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  non2xx: number;
  errors: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
const { values } = parseArgs({ options: { seconds: { type: "string", default: "8" } } });
const seconds = Number(values.seconds);
const root = path.resolve(import.meta.dirname, "..");

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start")), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (pattern.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function startSimulatorProcess(port: number): Promise<ChildProcess> {
  const child = spawn(path.join(root, "node_modules/.bin/tsx"), ["scripts/simulator.ts", "--port", String(port), "--speed", "instant"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  await waitForLine(child, /listening/);
  return child;
}

async function startBareProcess(port: number, body: string): Promise<ChildProcess> {
  const code = `
    const body = ${JSON.stringify(body)};
    require("node:http").createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        JSON.parse(Buffer.concat(chunks).toString());
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "request-id": "req_bare" });
        res.end(body);
      });
    }).listen(${port}, "127.0.0.1", () => console.log("listening"));`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  await waitForLine(child, /listening/);
  return child;
}

const headers = { "content-type": "application/json", "x-api-key": "sim", "anthropic-version": "2026-10-21" };
const small = JSON.stringify({
  model: "claude-sonnet-5-5",
  max_tokens: 256,
  messages: [{ role: "user", content: "How should I set up a staging environment for a small web app?" }],
});
const policy = Array.from({ length: 60 }, (_, i) => `Clause ${i + 1}: refunds for order type ${i} are handled within ${i + 3} business days.`).join("\n");
const cached = JSON.stringify({
  model: "claude-sonnet-5-5",
  max_tokens: 256,
  system: [
    { type: "text", text: "You are a support assistant." },
    { type: "text", text: policy, cache_control: { type: "ephemeral" } },
  ],
  messages: [{ role: "user", content: "How long do refunds for order type 7 take?" }],
});

async function run(label: string, url: string, body: string, connections: number): Promise<AutocannonResult> {
  await autocannon({ url, connections, duration: 1, method: "POST", headers, body }); // warm up
  const r = await autocannon({ url, connections, duration: seconds, method: "POST", headers, body });
  console.log(
    `${label.padEnd(52)} ${Math.round(r.requests.average).toLocaleString("en-US").padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx ${r.non2xx}  errors ${r.errors}`,
  );
  return r;
}

const simPort = 4310;
const barePort = 4311;
const simulator = await startSimulatorProcess(simPort);
let bare: ChildProcess | undefined;
try {
  const sample = await fetch(`http://127.0.0.1:${simPort}/v1/messages`, { method: "POST", headers, body: small });
  const sampleBody = await sample.text();
  console.log(`node ${process.version}, ${seconds}s per run; response ~${sampleBody.length} bytes\n`);
  bare = await startBareProcess(barePort, sampleBody);
  const simUrl = `http://127.0.0.1:${simPort}/v1/messages`;
  for (const connections of [10, 100]) {
    await run(`baseline: bare node:http, fixed body, ${connections} conns`, `http://127.0.0.1:${barePort}/v1/messages`, small, connections);
    await run(`simulator: create (small prompt), ${connections} conns`, simUrl, small, connections);
    await run(`simulator: create (~3k-token cached system), ${connections} conns`, simUrl, cached, connections);
  }
} finally {
  simulator.kill("SIGTERM");
  bare?.kill("SIGTERM");
}
