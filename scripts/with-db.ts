// tsx scripts/with-db.ts [--migrate] -- <command ...>
// Runs a command with a database: DATABASE_URL when set, otherwise the embedded PGlite from
// PROMPTDECK_DATA_DIR (default .data) served on a loopback port and exported as DATABASE_URL.
import { openDatabase, runInProcessGroup } from "./launcher";

const argv = process.argv.slice(2);
const separator = argv.indexOf("--");
const flags = separator === -1 ? [] : argv.slice(0, separator);
const command = separator === -1 ? argv : argv.slice(separator + 1);
const unknown = flags.filter((flag) => flag !== "--migrate");
if (command.length === 0 || unknown.length > 0) {
  console.error("Usage: tsx scripts/with-db.ts [--migrate] -- <command ...>");
  process.exit(2);
}

// Until the child runs, a signal just means "stop": handled below via the stop flag.
let interrupted = false;
const earlyStop = () => {
  interrupted = true;
};
process.on("SIGINT", earlyStop);
process.on("SIGTERM", earlyStop);

let db;
try {
  db = await openDatabase({ migrate: flags.includes("--migrate") });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
let code = 130;
if (!interrupted) {
  process.off("SIGINT", earlyStop);
  process.off("SIGTERM", earlyStop);
  const [cmd, ...args] = command as [string, ...string[]];
  try {
    code = await runInProcessGroup(cmd, args, { env: { ...process.env, ...db.childEnv } });
  } catch (error) {
    console.error(`Could not run ${cmd}: ${error instanceof Error ? error.message : String(error)}`);
    code = 127;
  }
}
await db.stop();
process.exit(code);
