import { createHash, randomBytes } from "node:crypto";

/** SHA-256 of a string, hex. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A 32-bit seed from any string (first 8 hex digits of its SHA-256). */
export function seedFrom(text: string): number {
  return Number.parseInt(sha256(text).slice(0, 8), 16) >>> 0;
}

/** A small deterministic PRNG (mulberry32): same seed, same sequence. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error("pick from an empty list");
      return item;
    },
  };
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A random id with a prefix, like the API's `msg_01...` / `req_01...` / `msgbatch_01...`. */
export function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = "01";
  for (let i = 0; i < length - 2; i++) out += BASE62[(bytes[i] ?? 0) % 62];
  return `${prefix}_${out}`;
}
