import type { PromptVersionContent } from "./schemas";

/** How many blocks each turn has, to name a block "Turn 2 block 1" only when its turn has several. */
type TurnShape = Pick<PromptVersionContent, "messages">;

const FIELD_NAMES: Record<string, string> = {
  text: "",
  role: "role",
  cache_control: "cache",
  type: "type",
};

function withField(label: string, rest: string[]): string {
  const field = rest.filter((p) => p !== "content").join(".");
  const named = FIELD_NAMES[field] ?? field;
  return named ? `${label} ${named}` : label;
}

/**
 * The name the editor shows for a place in a version, from a validation path or a cache location:
 * `system.1` -> "System block 2", `messages.0.content.0.text` -> "Turn 1" (or "Turn 1 block 1"
 * when `content` says that turn has several blocks), `messages.2.role` -> "Turn 3 role",
 * `variables.city.default` -> "Variable city default", `modelConfig.max_tokens` -> "Model
 * max_tokens", `outputSchema.schema` -> "Output schema", `policy.timeout_ms` -> "Policy
 * timeout_ms", "" -> "Prompt". Document paths (`request.system.1`) are named the same way.
 * User-facing messages say this; API issues keep the machine path beside it.
 */
export function describeLocation(path: string, content?: TurnShape): string {
  const parts = path
    .replace(/^request\./, "")
    .split(".")
    .filter(Boolean);
  const [head, second, ...rest] = parts;
  if (head === undefined) return "Prompt";
  const index = second !== undefined && /^\d+$/.test(second) ? Number(second) : null;
  if (head === "system") {
    return index === null ? "System blocks" : withField(`System block ${index + 1}`, rest);
  }
  if (head === "messages") {
    if (index === null) return "Turns";
    const turn = `Turn ${index + 1}`;
    const [maybeContent, blockText, ...after] = rest;
    if (maybeContent === "content" && blockText !== undefined && /^\d+$/.test(blockText)) {
      const block = Number(blockText);
      const several = (content?.messages[index]?.content.length ?? 1) > 1;
      return withField(several || block > 0 ? `${turn} block ${block + 1}` : turn, after);
    }
    return withField(turn, rest);
  }
  const tail = (from: (string | undefined)[]) => from.filter((p): p is string => p !== undefined).join(".");
  // Tools live in the model config (request.tools in the document).
  const toolPath = head === "tools" ? parts : head === "modelConfig" && (second === "tools" || second === "tool_choice") ? parts.slice(1) : null;
  if (toolPath) {
    const [kind, n, ...more] = toolPath;
    if (kind === "tool_choice") return "Tool choice";
    if (n === undefined || !/^\d+$/.test(n)) return "Tools";
    return more.length > 0 ? `Tool ${Number(n) + 1} ${more.join(".")}` : `Tool ${Number(n) + 1}`;
  }
  if (head === "tool_choice") return "Tool choice";
  if (head === "variables") return second === undefined ? "Variables" : `Variable ${tail([second, ...rest])}`;
  if (head === "modelConfig" || head === "model" || head === "max_tokens") {
    const field = head === "modelConfig" ? tail([second, ...rest]) : head;
    return field ? `Model ${field}` : "Model";
  }
  if (head === "outputSchema" || head === "output")
    return second === undefined || second === "schema" || second === "format" ? `Output ${second ?? ""}`.trim() : `Output ${tail([second, ...rest])}`;
  if (head === "policy") return second === undefined ? "Policy" : `Policy ${tail([second, ...rest])}`;
  return path;
}
