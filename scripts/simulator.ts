// `npx tsx scripts/simulator.ts [--port 4100] [--host 127.0.0.1] [--speed 1] [--batch-ms 3000]`
// Runs the Anthropic-compatible Claude simulator standalone, e.g. for the demo or for pointing
// the real SDK at it: ANTHROPIC_BASE_URL=http://127.0.0.1:4100 ANTHROPIC_API_KEY=sim.
import { parseArgs } from "node:util";
import { startSimulator } from "@/lib/claude-simulator";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.SIMULATOR_PORT ?? "4100" },
    host: { type: "string", default: "127.0.0.1" },
    speed: { type: "string", default: "1" },
    "batch-ms": { type: "string" },
  },
});

const port = Number(values.port);
const speed = values.speed === "instant" ? Infinity : Number(values.speed);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${values.port}`);
if (!(speed > 0)) throw new Error(`--speed: must be a positive number or "instant"`);
const batchMs = values["batch-ms"] === undefined ? undefined : Number(values["batch-ms"]);

const simulator = await startSimulator({ port, host: values.host, speed, batchProcessingMs: batchMs });
console.log(`Claude simulator listening on ${simulator.url} (speed ${speed})`);

const stop = () => {
  void simulator.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
