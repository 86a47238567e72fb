// Small helpers the benches share: command-line flags and memory figures.
import { readFileSync } from "node:fs";

/** `--name value` from the command line, or the fallback. */
export function arg(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
}

/** The kernel's peak resident set of this process (VmHWM), in MB; null off Linux. */
export function kernelPeakRssMb(): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Bytes as whole MB. */
export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
