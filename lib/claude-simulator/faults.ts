import { invalidRequest } from "./errors";

/**
 * Fault injection. A fault spec is `<kind>[;param=value]...`, e.g. `429`, `529;count=2`,
 * `timeout;ms=5000`, `refusal;category=cyber`, `stream_error;after=3`.
 *
 * Kinds: any HTTP error status 400-599 (429 carries retry-after and anthropic-ratelimit-*
 * headers, 529 is overloaded_error), `timeout` (hold the response for `ms`, default 10 min, or
 * until the client gives up), `refusal` (stop_reason "refusal" with stop_details), `invalid_json`
 * (the output text is broken JSON), `invalid_tool_input` (a tool_use answer's input breaks its
 * tool's input_schema: required properties left out, else declared ones of the wrong type), `overflow` (400 "prompt is too long"), `window_exceeded`
 * (stop_reason "model_context_window_exceeded"), `max_tokens` (output cut, stop_reason
 * "max_tokens"), `stream_error` (an SSE `error` event mid-stream; a non-streaming request gets
 * a 529).
 *
 * Params: `count=N` (only the first N matching requests fail, then they succeed), `key=K`
 * (counter namespace; the `x-sim-fault-key` header does the same), `retry_after=S` (seconds,
 * 429 only, default 1), `retry_after_ms=MS`, `ms=N` (timeout), `category=...` (refusal),
 * `after=N` (stream_error: deltas sent before the error), `message=...`.
 *
 * Sources, first match wins: the `x-sim-fault` header, a magic token `[[sim:<spec>]]` anywhere
 * in the system or message text (so it can travel through prompt variables), then rules
 * programmed with `simulator.faults.add()` or the `faults` option.
 */
export type FaultKind =
  | { type: "status"; status: number }
  | { type: "timeout" }
  | { type: "refusal" }
  | { type: "invalid_json" }
  | { type: "invalid_tool_input" }
  | { type: "overflow" }
  | { type: "window_exceeded" }
  | { type: "max_tokens" }
  | { type: "stream_error" };

export interface FaultSpec {
  kind: FaultKind;
  count: number | null;
  key: string | null;
  params: Record<string, string>;
  /** The spec as written, normalized (the counter identity). */
  source: string;
}

const NAMED = new Set(["timeout", "refusal", "invalid_json", "invalid_tool_input", "overflow", "window_exceeded", "max_tokens", "stream_error"]);

/** Parses a fault spec; throws a 400 SimApiError for an unknown kind or a bad count. */
export function parseFaultSpec(spec: string): FaultSpec {
  const [head = "", ...rest] = spec.split(";").map((s) => s.trim());
  const params: Record<string, string> = {};
  for (const part of rest) {
    if (!part) continue;
    const eq = part.indexOf("=");
    if (eq <= 0) throw invalidRequest(`x-sim-fault: bad parameter "${part}"`);
    params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  let kind: FaultKind;
  const name = head.toLowerCase();
  if (/^[45]\d\d$/.test(name)) kind = { type: "status", status: Number(name) };
  else if (NAMED.has(name)) kind = { type: name } as FaultKind;
  else throw invalidRequest(`x-sim-fault: unknown fault "${head}"`);
  let count: number | null = null;
  if (params.count !== undefined) {
    count = Number(params.count);
    if (!Number.isInteger(count) || count < 0) throw invalidRequest(`x-sim-fault: count must be a non-negative integer`);
  }
  const normalized = [
    name,
    ...Object.entries(params)
      .filter(([k]) => k !== "key")
      .sort()
      .map(([k, v]) => `${k}=${v}`),
  ].join(";");
  return { kind, count, key: params.key ?? null, params, source: normalized };
}

const MAGIC = /\[\[sim:([^\]]+)\]\]/;

/** The first `[[sim:...]]` magic token in a text, or null. */
export function findMagicFault(text: string): string | null {
  return MAGIC.exec(text)?.[1]?.trim() ?? null;
}

export interface FaultRule {
  /** A fault spec, e.g. "529" or "refusal;category=bio". */
  fault: string;
  /** Fail only the first N matching requests (overrides `count=` in the spec). */
  count?: number;
  /** Which requests the rule applies to (default: every Messages request). */
  match?: (request: { path: string; model: string | undefined; body: unknown }) => boolean;
}

interface ProgrammedRule {
  spec: FaultSpec;
  remaining: number | null;
  match: FaultRule["match"];
}

/** Counters for `count=N` faults and programmed rules. */
export class FaultController {
  private readonly counters = new Map<string, number>();
  private rules: ProgrammedRule[] = [];

  constructor(rules: FaultRule[] = []) {
    rules.forEach((r) => this.add(r));
  }

  /** Programs a fault for the requests that match (every request by default). */
  add(rule: FaultRule): void {
    const spec = parseFaultSpec(rule.fault);
    this.rules.push({ spec, remaining: rule.count ?? spec.count, match: rule.match });
  }

  /** Removes programmed rules and resets every counter. */
  clear(): void {
    this.rules = [];
    this.counters.clear();
  }

  /**
   * Whether a header/magic-token fault fires for this request. With `count=N` the first N
   * requests with the same spec and key fire, later ones pass.
   */
  fires(spec: FaultSpec, headerKey: string | undefined): boolean {
    if (spec.count === null) return true;
    const id = `${headerKey ?? ""}|${spec.key ?? ""}|${spec.source}`;
    const used = this.counters.get(id) ?? 0;
    if (used >= spec.count) return false;
    this.counters.set(id, used + 1);
    return true;
  }

  /** The first programmed rule that matches and still has budget (consuming one use). */
  programmed(request: { path: string; model: string | undefined; body: unknown }): FaultSpec | null {
    for (const rule of this.rules) {
      if (rule.match && !rule.match(request)) continue;
      if (rule.remaining !== null) {
        if (rule.remaining <= 0) continue;
        rule.remaining--;
      }
      return rule.spec;
    }
    return null;
  }
}
