import { z } from "zod";
import type { CallCost, TokenUsage } from "@/lib/models/catalog";
import type { AttemptKind, AttemptRecord, FallbackRecord, RunStatus, ToolRepair } from "@/lib/claude/runner";
import type { AnswerBlock, ToolCallReport } from "@/lib/runs/conversation";
import { conversationTurnsSchema } from "@/lib/prompts/history";
import type { ErrorIssue } from "@/lib/errors";

/**
 * The playground's wire contract, shared by the route handler, `lib/playground/run.ts` and the
 * client component (this file imports nothing server-only: zod and types).
 */

/** Simulator faults a user may inject from the "advanced" disclosure (simulated mode only). */
export const PLAYGROUND_FAULTS = ["429", "529", "timeout", "refusal", "invalid_json", "invalid_tool_input"] as const;
export const playgroundFaultSchema = z.enum(PLAYGROUND_FAULTS);
export type PlaygroundFault = z.infer<typeof playgroundFaultSchema>;

/** What each fault shows, for the picker. */
export const FAULT_DESCRIPTIONS: Record<PlaygroundFault, { label: string; description: string }> = {
  "429": { label: "429 rate limited (twice)", description: "The first two attempts get 429 with retry-after: 1 s; the third succeeds." },
  "529": {
    label: "529 overloaded (every retry)",
    description: "Every attempt on the version's model is overloaded, so the retries run out and the fallback model answers (if the version has one).",
  },
  timeout: {
    label: "Timeout (first attempt)",
    description: "The first attempt hangs; the per-attempt timeout is cut to 3 s for this run so the retry happens quickly.",
  },
  refusal: { label: "Refusal", description: 'Claude refuses (stop_reason "refusal").' },
  invalid_json: {
    label: "Malformed JSON output",
    description: "The output text is broken JSON: a JSON-output version repairs once, then reports invalid_output.",
  },
  invalid_tool_input: {
    label: "Invalid tool input (once)",
    description:
      "Claude's first tool call breaks the tool's input_schema, so the runner sends the problems back as an error tool_result and asks again (the repair retry).",
  },
};

/** A form value: text inputs, selects and textareas give strings, checkboxes booleans. */
export const formValueSchema = z.union([z.string().max(500_000), z.boolean()]);
export type FormValue = z.infer<typeof formValueSchema>;

/** Formats of a typed tool result: plain text, or JSON (checked, then sent as its text). */
export const TOOL_RESULT_FORMATS = ["text", "json"] as const;

/** One tool result the user typed: which call it answers, the text or JSON, and whether it reports an error. */
export const toolResultInputSchema = z
  .strictObject({
    toolUseId: z.string().min(1, "says which tool call it answers").max(128),
    format: z.enum(TOOL_RESULT_FORMATS).default("text"),
    content: z.string().max(200_000, "is longer than 200,000 characters"),
    isError: z.boolean().default(false),
  })
  .superRefine((r, ctx) => {
    if (r.content.trim() === "" && !r.isError) ctx.addIssue({ code: "custom", path: ["content"], message: "is empty: type what the tool returned" });
    if (r.format === "json" && r.content.trim() !== "") {
      const problem = jsonProblem(r.content);
      if (problem) ctx.addIssue({ code: "custom", path: ["content"], message: `is not valid JSON: ${problem}` });
    }
  });
export type ToolResultInput = z.input<typeof toolResultInputSchema>;

/** Why a text is not JSON (the parser's message), or null when it parses. */
export function jsonProblem(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : "it does not parse";
  }
}

/** The user turn that sends typed results back: one tool_result block per result (JSON sent as the text typed; `is_error` when ticked). */
export function toolResultTurn(results: ReadonlyArray<z.output<typeof toolResultInputSchema> | ToolResultInput>): {
  role: "user";
  content: Array<Record<string, unknown>>;
} {
  return {
    role: "user",
    content: results.map((r) => ({ type: "tool_result", tool_use_id: r.toolUseId, content: r.content, ...(r.isError ? { is_error: true } : {}) })),
  };
}

/** POST body of a playground run. */
export const playgroundRunRequestSchema = z.strictObject({
  versionId: z.string().min(1).max(64),
  variables: z.record(z.string().max(64), formValueSchema).default({}),
  fault: playgroundFaultSchema.nullable().optional(),
  /**
   * The conversation after the rendered turns: the model's answer with its tool calls, then the
   * tool results the user typed (checked like chat history: roles alternate, every tool call
   * answered). Each run sends it again, grown by one exchange.
   */
  continuation: conversationTurnsSchema.optional(),
  /**
   * The results the user typed for the tool calls that end the continuation (its last turn is
   * the assistant's answer with them): sent as the user turn of tool_result blocks, one per call.
   */
  toolResults: z
    .array(toolResultInputSchema)
    .min(1, "type a result for each tool call")
    .max(64)
    .superRefine((results, ctx) => {
      const seen = new Set<string>();
      results.forEach((r, i) => {
        if (seen.has(r.toolUseId)) ctx.addIssue({ code: "custom", path: [i, "toolUseId"], message: `tool call "${r.toolUseId}" already has a result` });
        seen.add(r.toolUseId);
      });
    })
    .optional(),
});
export type PlaygroundRunRequest = z.input<typeof playgroundRunRequestSchema>;

/** Cost of the call split by token kind. */
export interface PlaygroundCostBreakdown extends CallCost {
  /** The model whose prices the lines use (the one that answered). */
  pricedModel: string;
  /**
   * True when the lines add up to the call's exact cost. False when responses of several models
   * were billed (e.g. failed attempts that still returned tokens before a fallback): the total
   * is still exact, the lines are then only indicative.
   */
  exact: boolean;
}

/** Everything the page shows about a finished run. */
export interface PlaygroundFacts {
  status: RunStatus;
  /** What went wrong (error, refusal, invalid output), null when ok. */
  message: string | null;
  errorType: string | null;
  httpStatus: number | null;
  output: string;
  /** The validated JSON value (JSON-output versions). */
  parsed?: unknown;
  /** The answer's text and tool_use blocks, as the next request's assistant turn sends them back. */
  content: AnswerBlock[];
  /** Tool calls of the answer (stop reason "tool_use"), each with the verdict on its input; [] when none. */
  toolCalls: ToolCallReport[];
  /** Tool-input repair retries (the rejected calls and why); [] when none happened. */
  toolRepairs: ToolRepair[];
  simulated: boolean;
  requestedModel: string;
  /** Model routing: the model the version's rules picked and the rule that fired ("default" when none did); null without routing. */
  routedModel: string | null;
  routingRule: string | null;
  model: string;
  stopReason: string | null;
  refusalCategory: string | null;
  usage: TokenUsage;
  costMicros: number;
  cost: PlaygroundCostBreakdown | null;
  latencyMs: number;
  ttftMs: number | null;
  attempts: AttemptRecord[];
  fallbacks: FallbackRecord[];
  fallbackUsed: string | null;
  /** The CallLog id (source "playground"), null if the log refused the record. */
  callId: string | null;
  versionId: string;
  versionLabel: string;
  fault: PlaygroundFault | null;
}

/** One line of the NDJSON stream the run endpoint writes. */
export type PlaygroundEvent =
  | {
      type: "start";
      versionId: string;
      versionLabel: string;
      model: string;
      simulated: boolean;
      fault: PlaygroundFault | null;
      /** Form variables this version does not declare (left out of the call). */
      ignoredVariables: string[];
    }
  | { type: "attempt"; index: number; model: string; kind: AttemptKind }
  | { type: "text"; delta: string }
  | { type: "done"; facts: PlaygroundFacts }
  | { type: "error"; error: PlaygroundErrorBody["error"] };

/** Error body of a refused run (JSON with the HTTP status), and the `error` event's payload. */
export interface PlaygroundErrorBody {
  error: { code: string; message: string; issues?: ErrorIssue[] };
}
