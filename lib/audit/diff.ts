/**
 * Before/after of an audit event as a readable diff: both JSON values flattened to dotted paths
 * ("runner.max_retries", "scopes[1]"), then one line per path that was added, removed or changed.
 * Pure; the audit log page renders the lines and the CSV export writes them as text.
 */

export type DiffLine =
  | { kind: "added"; path: string; after: string }
  | { kind: "removed"; path: string; before: string }
  | { kind: "changed"; path: string; before: string; after: string };

/** Flattening stops here: deeper values are shown whole (as JSON) on their parent's path. */
const MAX_DEPTH = 6;
/** A value shown longer than this is cut with an ellipsis. */
export const MAX_VALUE_CHARS = 200;

function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? "null");
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function flatten(value: unknown, path: string, depth: number, out: Map<string, string>): void {
  const isObject = value !== null && typeof value === "object";
  if (!isObject || depth >= MAX_DEPTH) {
    out.set(path, show(value));
    return;
  }
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [`${path}[${i}]`, v])
    : Object.entries(value as Record<string, unknown>).map(([k, v]) => [path ? `${path}.${k}` : k, v]);
  if (entries.length === 0) {
    out.set(path, Array.isArray(value) ? "[]" : "{}");
    return;
  }
  for (const [p, v] of entries) flatten(v, p, depth + 1, out);
}

function flat(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (value !== null && value !== undefined) flatten(value, "", 0, out);
  return out;
}

/**
 * The lines that differ between `before` and `after` (null/undefined = nothing), in path order
 * (a top-level scalar has the path ""). Equal values produce no line.
 */
export function diffAuditValues(before: unknown, after: unknown): DiffLine[] {
  const a = flat(before);
  const b = flat(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const lines: DiffLine[] = [];
  for (const path of paths) {
    const from = a.get(path);
    const to = b.get(path);
    if (from === undefined && to !== undefined) lines.push({ kind: "added", path, after: to });
    else if (to === undefined && from !== undefined) lines.push({ kind: "removed", path, before: from });
    else if (from !== undefined && to !== undefined && from !== to) lines.push({ kind: "changed", path, before: from, after: to });
  }
  return lines;
}

/** One line of text per diff line ("+ path: value", "- path: value", "~ path: before -> after"). */
export function diffText(lines: readonly DiffLine[]): string {
  return lines
    .map((l) => {
      const path = l.path || "(value)";
      if (l.kind === "added") return `+ ${path}: ${l.after}`;
      if (l.kind === "removed") return `- ${path}: ${l.before}`;
      return `~ ${path}: ${l.before} -> ${l.after}`;
    })
    .join("\n");
}
