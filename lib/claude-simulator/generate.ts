import { canonicalJson } from "@/lib/canonical-json";
import { createRng, seedFrom, type Rng } from "./random";
import {
  findJsonInText,
  looksLikeSchema,
  pickLabel,
  sampleFromSchema,
  schemaFromExample,
  type JsonSchema,
  type JsonValue,
  type SampleContext,
} from "./json-schema";
import type { MessagesRequest, SimMessage } from "./request-schema";

/**
 * Deterministic "model output". The same request (ignoring max_tokens, stream, metadata and
 * cache_control) always yields the same output, seeded from a hash of the request:
 *  - a forced tool choice (`tool_choice` any/tool) -> a tool_use block whose input fits the
 *    tool's input_schema; with tool_choice auto, the same for the tool the last user message asks
 *    for (`toolAskedFor`), unless that message brings tool results (then text);
 *  - `output_config.format` json_schema, or a prompt asking for JSON -> a JSON document that
 *    conforms to the schema found (format schema, a JSON Schema in the prompt text, or an
 *    example JSON object in the prompt whose shape is copied);
 *  - a classifier-style prompt listing labels -> exactly one of the labels (the one the user
 *    text mentions, else a seeded pick);
 *  - a request to shorten the text inside `<text_to_condense>` tags (the length audit's
 *    "Condense") -> that text condensed (`condenseText`), inside `<condensed>` tags;
 *  - otherwise fluent, on-topic prose whose length grows with the input and the effort.
 */
export type GeneratedOutput = { kind: "text" | "json" | "label"; text: string } | { kind: "tool_use"; name: string; input: JsonValue; schema: JsonSchema };

const STOPWORDS = new Set(
  "about above after again against because been before being below between both could does doing down during each from further have having here hers herself himself into itself just more most myself once only other ought ours ourselves over same should some such than that their theirs them themselves then there these they this those through under until very were what when where which while whom with would your yours yourself yourselves please answer question tell explain give write make help need want know like using use also will can shall".split(
    " ",
  ),
);

export function blockText(content: SimMessage["content"]): string {
  if (typeof content === "string") return content;
  return content
    .map((b) => {
      const raw = b as Record<string, unknown>;
      if (typeof raw.text === "string") return raw.text;
      if (typeof raw.content === "string") return raw.content;
      return "";
    })
    .filter(Boolean)
    .join("\n");
}

export function systemText(system: MessagesRequest["system"]): string {
  if (system === undefined) return "";
  return typeof system === "string" ? system : system.map((b) => b.text).join("\n");
}

function lastMessageText(messages: SimMessage[], role: "user" | "assistant"): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === role) return blockText(m.content);
  }
  return "";
}

/** Distinct content words of a text, in order of appearance (at most `limit`). */
export function topicWords(text: string, limit = 16): string[] {
  const words: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[a-z][a-z-]{3,}/g)) {
    const w = m[0].replace(/-+$/, "");
    if (w.length < 4 || STOPWORDS.has(w) || words.includes(w) || w.startsWith("sim")) continue;
    words.push(w);
    if (words.length >= limit) break;
  }
  return words;
}

const LABEL_TRIGGER = /\b(one of|labels?|categor(?:y|ies)|classes|classify|classification|choose from|pick from|options)\b/i;
const BULLET = /^\s*(?:[-*•]|\d+[.)])\s+(.+)$/;

function cleanLabel(raw: string): string {
  return raw
    .replace(/\s+[-–—:]\s.*$/, "")
    .replace(/:.*$/, "")
    .replace(/^[\s"'`*]+|[\s"'`*.;]+$/g, "")
    .trim();
}

function validLabels(items: string[]): string[] | null {
  const labels = items.map(cleanLabel).filter((l) => l.length > 0);
  const ok = labels.length >= 2 && labels.length <= 50 && labels.every((l) => l.length <= 40 && l.split(/\s+/).length <= 4);
  return ok ? [...new Set(labels)] : null;
}

/** The labels a classifier-style prompt asks to choose from, or null. */
export function findLabels(text: string): string[] | null {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const trigger = LABEL_TRIGGER.exec(line);
    if (!trigger) continue;
    const afterColon = line.includes(":") ? line.slice(line.lastIndexOf(":") + 1) : line.slice(trigger.index + trigger[0].length);
    const inline = afterColon.split(/[.?!](?:\s|$)/)[0] ?? "";
    const inlineLabels = validLabels(inline.split(/\s*(?:,|\||\/|\bor\b)\s*/));
    if (inlineLabels) return inlineLabels;
    const bullets: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const m = BULLET.exec(lines[j] ?? "");
      if (m?.[1]) bullets.push(m[1]);
      else if ((lines[j] ?? "").trim() === "" && bullets.length === 0) continue;
      else break;
    }
    const bulletLabels = validLabels(bullets);
    if (bulletLabels) return bulletLabels;
  }
  return null;
}

/** The seed of a request: everything that determines the output, without cache/transport fields. */
export function requestSeed(req: MessagesRequest): number {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (k !== "cache_control") out[k] = strip(v);
      return out;
    }
    return value;
  };
  return seedFrom(
    canonicalJson(
      strip({
        model: req.model,
        system: req.system,
        messages: req.messages,
        tools: req.tools,
        tool_choice: req.tool_choice,
        output_config: req.output_config,
      }),
    ),
  );
}

const OPENERS = [
  "Here is a clear answer.",
  "Good question.",
  "Let me walk through this.",
  "Short version first, then the details.",
  "Here is how I would approach it.",
];
const TEMPLATES = [
  "The key point about {t} is that it depends on {t2} and on how {t3} is handled.",
  "In practice, {t} works best when {t2} is kept simple and measured regularly.",
  "A common mistake is to treat {t} and {t2} as the same thing; they answer different questions.",
  "If {t} changes, revisit {t2} first, because most of the impact shows up there.",
  "You can think of {t} as a trade-off between {t2} and {t3}.",
  "The evidence suggests that {t} improves when {t2} is reviewed with real examples.",
  "Start with {t}, confirm the result, and only then adjust {t2}.",
  "For {t}, the simplest reliable option is usually the right one.",
  "It also helps to write down what {t} should achieve before changing {t2}.",
  "Keep an eye on {t3}: small changes there can affect {t} more than expected.",
];
const CLOSERS = ["Let me know if you want more detail on any part.", "I hope this helps.", "If you share more context, I can be more specific."];
const FALLBACK_TOPICS = ["the approach", "the result", "the details", "the context", "the goal", "the trade-offs"];

function prose(rng: Rng, topics: string[], targetChars: number): string {
  const pool = topics.length >= 3 ? topics : [...topics, ...FALLBACK_TOPICS];
  const fill = (tpl: string) => {
    // Distinct topics within a sentence ("between X and Y", never "between X and X").
    const used = new Set<string>();
    return tpl.replace(/\{t[23]?\}/g, () => {
      const fresh = pool.filter((w) => !used.has(w));
      const word = rng.pick(fresh.length > 0 ? fresh : pool);
      used.add(word);
      return word;
    });
  };
  const paragraphs: string[] = [];
  let sentences: string[] = [rng.pick(OPENERS)];
  let length = sentences[0]?.length ?? 0;
  while (length < targetChars) {
    const s = fill(rng.pick(TEMPLATES));
    sentences.push(s);
    length += s.length + 1;
    if (sentences.length >= rng.int(3, 5)) {
      paragraphs.push(sentences.join(" "));
      sentences = [];
      length += 2;
    }
  }
  sentences.push(rng.pick(CLOSERS));
  paragraphs.push(sentences.join(" "));
  return paragraphs.join("\n\n");
}

const EFFORT_FACTOR: Record<string, number> = { low: 0.5, medium: 0.8, high: 1, xhigh: 1.3, max: 1.6 };

export interface GenerateContext {
  /** Estimated input tokens of the whole prompt. */
  inputTokens: number;
  /** Characters per output token for this model (the estimator's inverse). */
  charsPerToken: number;
}

/** Whether the prompt asks for JSON, and the schema to follow if one is discoverable. */
export function jsonIntent(req: MessagesRequest): { json: boolean; schema: JsonSchema | null } {
  const format = req.output_config?.format;
  if (format) return { json: true, schema: format.schema };
  const sys = systemText(req.system);
  const user = lastMessageText(req.messages, "user");
  const asks = /\bjson\b/i.test(sys) || /\bjson\b/i.test(user);
  if (!asks) return { json: false, schema: null };
  const candidates = findJsonInText(
    `${sys}\n${req.messages
      .filter((m) => m.role === "user")
      .map((m) => blockText(m.content))
      .join("\n")}`,
  );
  const schema = candidates.find(looksLikeSchema);
  if (schema) return { json: true, schema };
  const example = candidates[0];
  return { json: true, schema: example !== undefined ? schemaFromExample(example) : null };
}

/** The deterministic output for a validated request (see the module comment). */
export function generateOutput(req: MessagesRequest, ctx: GenerateContext): GeneratedOutput {
  const rng = createRng(requestSeed(req));
  const sys = systemText(req.system);
  const user = lastMessageText(req.messages, "user");
  const topics = topicWords(user).concat(topicWords(sys, 6));
  const sample: SampleContext = { rng, topicWords: topics, hintText: user };

  const choice = req.tool_choice;
  const tools = (req.tools ?? []).filter((t) => typeof t.name === "string");
  if (choice && (choice.type === "any" || choice.type === "tool") && tools.length > 0) {
    const tool = choice.type === "tool" ? tools.find((t) => t.name === choice.name) : rng.pick(tools);
    if (tool?.name) return toolUse(tool.name, tool.input_schema, sample);
  }
  // tool_choice auto (or unset): call the tool the user's message asks for, unless the last turn
  // already brings tool results (then answer in text, as Claude does after a tool round).
  // After tool results that are all errors (a rejected input, the runner's repair turn), call the
  // same tool again with a fresh input, as Claude does.
  if (tools.length > 0 && choice?.type !== "none") {
    const retried = retriedTool(req.messages);
    const tool = retried ? tools.find((t) => t.name === retried) : undefined;
    if (tool?.name) return toolUse(tool.name, tool.input_schema, sample);
  }
  if (tools.length > 0 && choice?.type !== "none" && !endsWithToolResult(req.messages)) {
    const tool = toolAskedFor(tools, user);
    if (tool?.name) return toolUse(tool.name, tool.input_schema, sample);
  }

  const condense = CONDENSE_REQUEST.exec(user);
  if (condense) return { kind: "text", text: `<condensed>\n${condenseText(condense[1] ?? "")}\n</condensed>` };

  const labels = findLabels(`${sys}\n${user}`);
  const intent = jsonIntent(req);
  const prefill = req.messages[req.messages.length - 1]?.role === "assistant" ? lastMessageText(req.messages, "assistant") : "";
  const stripPrefill = (text: string) => (prefill && text.startsWith(prefill.trim()) ? text.slice(prefill.trim().length) : text);

  if (intent.json) {
    const schema: JsonSchema =
      intent.schema ??
      (labels
        ? { type: "object", properties: { label: { enum: labels }, confidence: { type: "number", minimum: 0.5, maximum: 0.99 } } }
        : { type: "object", properties: { answer: { type: "string" }, confidence: { type: "number", minimum: 0.5, maximum: 0.99 } } });
    const value = sampleFromSchema(schema, sample);
    return { kind: "json", text: stripPrefill(JSON.stringify(value, null, 2)) };
  }
  if (labels) return { kind: "label", text: stripPrefill(pickLabel(labels, sample)) };

  const effort = EFFORT_FACTOR[req.output_config?.effort ?? "high"] ?? 1;
  const targetTokens = Math.max(12, Math.min(4000, Math.round((40 + 8 * Math.sqrt(ctx.inputTokens)) * effort * (0.6 + 0.8 * rng.next()))));
  return { kind: "text", text: stripPrefill(prose(rng, topics, targetTokens * ctx.charsPerToken)) };
}

function toolUse(name: string, schema: JsonSchema | undefined, sample: SampleContext): GeneratedOutput {
  const inputSchema = schema ?? { type: "object", properties: {} };
  return { kind: "tool_use", name, input: sampleFromSchema(inputSchema, sample), schema: inputSchema };
}

/**
 * The tool to call again: when the last message is a user turn whose tool_results all carry
 * is_error (text beside them, such as the runner's repair request, allowed), the name of the first tool the assistant turn before it called; else undefined.
 */
function retriedTool(messages: SimMessage[]): string | undefined {
  const last = messages[messages.length - 1];
  const before = messages[messages.length - 2];
  if (last?.role !== "user" || !Array.isArray(last.content) || last.content.length === 0) return undefined;
  const results = last.content.filter((b) => b.type === "tool_result");
  if (results.length === 0 || !results.every((b) => (b as { is_error?: unknown }).is_error === true)) return undefined;
  if (before?.role !== "assistant" || !Array.isArray(before.content)) return undefined;
  const call = before.content.find((b) => b.type === "tool_use") as { name?: unknown } | undefined;
  return typeof call?.name === "string" ? call.name : undefined;
}

/**
 * A tool input made to break its schema (the `invalid_tool_input` fault): the required properties
 * left out; with none required, each declared property given a value of another type. An input
 * whose schema constrains nothing is returned as it is.
 */
export function breakToolInput(input: JsonValue, schema: JsonSchema): JsonValue {
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
  const base = input !== null && typeof input === "object" && !Array.isArray(input) ? { ...input } : {};
  if (required.length > 0) {
    for (const key of required) delete base[key];
    return base;
  }
  const properties = schema.properties !== null && typeof schema.properties === "object" ? (schema.properties as Record<string, JsonSchema>) : {};
  for (const [key, prop] of Object.entries(properties)) base[key] = prop.type === "string" ? 12345 : "not the declared type";
  return base;
}

/** Whether the last message is a user turn carrying tool_result blocks. */
function endsWithToolResult(messages: SimMessage[]): boolean {
  const last = messages[messages.length - 1];
  return last?.role === "user" && Array.isArray(last.content) && last.content.some((b) => b.type === "tool_result");
}

/**
 * The tool a user message asks for: one whose name (`lookup_order`, or "lookup order") appears in
 * the text, else the one whose name and description share the most content words with it (a request
 * such as "where is my order" matches "Look up an order ... status"), the best match first.
 */
export function toolAskedFor<T extends { name?: string; description?: string }>(tools: readonly T[], userText: string): T | undefined {
  const text = userText.toLowerCase();
  const named = tools.find((t) => t.name && (text.includes(t.name.toLowerCase()) || text.includes(t.name.toLowerCase().replace(/[_-]+/g, " "))));
  if (named) return named;
  const words = new Set(topicWords(userText, 64).map((w) => w.replace(/s$/, "")));
  let best: { tool: T; score: number } | undefined;
  for (const tool of tools) {
    const score = topicWords(`${tool.name?.replace(/[_-]+/g, " ") ?? ""} ${tool.description ?? ""}`, 64).filter((w) => words.has(w.replace(/s$/, ""))).length;
    if (score >= 1 && (!best || score > best.score)) best = { tool, score };
  }
  return best?.tool;
}

/** Breaks a JSON (or any) text so JSON.parse fails: cut before the end, dangling comma. */
export function corruptJson(text: string): string {
  const body = text.trimEnd();
  const cut = body.endsWith("}") || body.endsWith("]") ? body.slice(0, -1).trimEnd() : `{"answer": "${body.slice(0, 40)}`;
  return `${cut},\n  "note": "unterminated`;
}

/** The length audit's condense request (lib/length-audit/condense.ts): the block inside the tags. */
const CONDENSE_REQUEST = /<text_to_condense>\n?([\s\S]*?)\n?<\/text_to_condense>/;

/** Wordy phrases and their short forms, as an editor would shorten them. */
const WORDY: Array<[RegExp, string]> = [
  [/\b(?:please|kindly) (?=[a-z])/gi, ""],
  [/\bmake sure (?:that |to )?(?:you )?(?:always )?/gi, ""],
  [/\bit is (?:very |really )?important (?:that you |to )/gi, ""],
  [/\b(?:always )?remember to /gi, ""],
  [/\bin order to\b/gi, "to"],
  [/\bat this point in time\b/gi, "now"],
  [/\bdue to the fact that\b/gi, "because"],
  [/\b(?:very|really|basically|actually|simply|just) (?=[a-z])/gi, ""],
  [/\bare able to\b/gi, "can"],
  [/\bis able to\b/gi, "can"],
];

/**
 * What the simulated model answers to "shorten this block": sentences repeated within the text
 * (compared without case and punctuation) kept once, wordy phrases shortened, spacing folded;
 * lines, XML tags and every {{template tag}} kept. Deterministic.
 */
export function condenseText(text: string): string {
  const seen = new Set<string>();
  const lines = text.split("\n").map((line) => {
    const sentences = line.split(/(?<=[.!?])\s+/);
    const kept = sentences.filter((s) => {
      const key = s
        .toLowerCase()
        .replace(/[^a-z0-9{}]+/g, " ")
        .trim();
      if (key.split(" ").length < 4) return true;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const out = kept
      .map((sentence) => {
        let short = sentence;
        for (const [pattern, replacement] of WORDY) short = short.replace(pattern, replacement);
        // A sentence that lost its first words starts with a capital again.
        return short !== sentence && /^[A-Z]/.test(sentence) ? short.charAt(0).toUpperCase() + short.slice(1) : short;
      })
      .join(" ");
    // A list item whose only sentence was a repeat goes with it.
    if (kept.length < sentences.length && /^\s*(?:[-*•]|\d+[.)])?\s*$/.test(out)) return null;
    return out.replace(/(\S)[ \t]{2,}/g, "$1 ").trimEnd();
  });
  return lines
    .filter((l): l is string => l !== null)
    .filter((l, i, all) => l.trim() !== "" || (i > 0 && (all[i - 1] ?? "").trim() !== ""))
    .join("\n")
    .trim();
}
