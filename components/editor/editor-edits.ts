import { moveItem, type BlockState, type EditorState, type SystemBlockState, type ToolState, type TurnState, type VariableState } from "./editor-model";

/**
 * Every change the editor's sections make to the working copy, as data, applied by the pure
 * reducer `editDocument`. New items carry their id in the edit (made with `newId` by the caller),
 * so the reducer stays deterministic.
 */
export type EditorEdit =
  /** Top-level fields of the model config and output sections. */
  | {
      type: "set";
      patch: Partial<
        Pick<
          EditorState,
          | "model"
          | "maxTokens"
          | "stopSequences"
          | "effort"
          | "serviceTier"
          | "fallbackModel"
          | "schemaText"
          | "toolChoice"
          | "toolChoiceName"
          | "disableParallel"
        >
      >;
    }
  /** A new tool with a starter schema; a breakpoint on the tools moves to the new last tool. */
  | { type: "addTool"; id: string }
  | { type: "patchTool"; id: string; patch: Partial<ToolState> }
  | { type: "moveTool"; from: number; to: number }
  | { type: "removeTool"; id: string }
  /** The breakpoint after the tools: set on the last tool (cleared on the others). */
  | { type: "setToolsCache"; cache: ToolState["cache"] }
  /** Declares a chat history (`messages` variable, optional) inserted before turn `position + 1`. */
  | { type: "addHistory"; id: string; name: string; position: number }
  | { type: "addSystemBlock"; id: string }
  | { type: "patchSystemBlock"; id: string; patch: Partial<SystemBlockState> }
  | { type: "moveSystemBlock"; from: number; to: number }
  | { type: "removeSystemBlock"; id: string }
  /** A new turn with one empty block; its role alternates with the last turn's. */
  | { type: "addTurn"; id: string; blockId: string }
  | { type: "setTurnRole"; id: string; role: TurnState["role"] }
  | { type: "moveTurn"; from: number; to: number }
  | { type: "removeTurn"; id: string }
  | { type: "addTurnBlock"; turnId: string; id: string }
  | { type: "patchTurnBlock"; turnId: string; id: string; patch: Partial<BlockState> }
  | { type: "moveTurnBlock"; turnId: string; from: number; to: number }
  | { type: "removeTurnBlock"; turnId: string; id: string }
  /** Declares variables (required strings, no default) under the given names, e.g. the undeclared ones. */
  | { type: "addVariables"; variables: { id: string; name: string }[] }
  | { type: "patchVariable"; id: string; patch: Partial<VariableState> }
  | { type: "removeVariable"; id: string }
  /** Switching to JSON starts from an empty object schema when there is none yet. */
  | { type: "setOutputFormat"; format: EditorState["outputFormat"] }
  /** The routing rules as the Routing section computed them (routing-model.ts). */
  | { type: "setRouting"; rules: EditorState["routing"] };

/** The input_schema a new tool starts from. */
export const STARTER_TOOL_SCHEMA = '{\n  "type": "object",\n  "properties": {},\n  "required": []\n}';

/**
 * A breakpoint on the tools caches every tool before it, so it belongs on the last one: after a
 * tool is added, moved or removed, the breakpoint some tool had (the first one found, or the
 * removed tool's) moves to the last tool. A set with no breakpoint is left as is.
 */
function breakpointOnLastTool(tools: ToolState[], carried?: Pick<ToolState, "cache" | "cacheRaw">): ToolState[] {
  const holder = tools.find((t) => t.cache !== "off") ?? (carried && carried.cache !== "off" ? carried : undefined);
  if (!holder || tools.length === 0 || tools.at(-1) === holder) return tools;
  return tools.map((t, i) => (i === tools.length - 1 ? { ...t, cache: holder.cache, cacheRaw: holder.cacheRaw } : { ...t, cache: "off", cacheRaw: undefined }));
}

/** The schema text a switch to JSON output starts from. */
export const STARTER_JSON_SCHEMA = '{\n  "type": "object",\n  "properties": {},\n  "required": []\n}';

const emptyBlock = (id: string): BlockState => ({ id, text: "", cache: "off" });
const newVariable = (id: string, name: string): VariableState => ({
  id,
  name,
  type: "string",
  required: true,
  hasDefault: false,
  defaultText: "",
  description: "",
  valuesText: "",
  position: 0,
  historyCache: "off",
});
const patchById = <T extends { id: string }>(list: T[], id: string, patch: (item: T) => T): T[] => list.map((x) => (x.id === id ? patch(x) : x));

/** Applies one edit to the working copy (never mutates `state`). */
export function editDocument(state: EditorState, edit: EditorEdit): EditorState {
  switch (edit.type) {
    case "set":
      return { ...state, ...edit.patch };
    case "addSystemBlock":
      return { ...state, system: [...state.system, { id: edit.id, role: "instructions", text: "", cache: "off" }] };
    case "patchSystemBlock":
      return { ...state, system: patchById(state.system, edit.id, (b) => ({ ...b, ...edit.patch })) };
    case "moveSystemBlock":
      return { ...state, system: moveItem(state.system, edit.from, edit.to) };
    case "removeSystemBlock":
      return { ...state, system: state.system.filter((b) => b.id !== edit.id) };
    case "addTurn":
      return {
        ...state,
        turns: [...state.turns, { id: edit.id, role: state.turns.at(-1)?.role === "user" ? "assistant" : "user", blocks: [emptyBlock(edit.blockId)] }],
      };
    case "setTurnRole":
      return { ...state, turns: patchById(state.turns, edit.id, (t) => ({ ...t, role: edit.role })) };
    case "moveTurn":
      return { ...state, turns: moveItem(state.turns, edit.from, edit.to) };
    case "removeTurn":
      return { ...state, turns: state.turns.filter((t) => t.id !== edit.id) };
    case "addTurnBlock":
      return { ...state, turns: patchById(state.turns, edit.turnId, (t) => ({ ...t, blocks: [...t.blocks, emptyBlock(edit.id)] })) };
    case "patchTurnBlock":
      return {
        ...state,
        turns: patchById(state.turns, edit.turnId, (t) => ({ ...t, blocks: patchById(t.blocks, edit.id, (b) => ({ ...b, ...edit.patch })) })),
      };
    case "moveTurnBlock":
      return { ...state, turns: patchById(state.turns, edit.turnId, (t) => ({ ...t, blocks: moveItem(t.blocks, edit.from, edit.to) })) };
    case "removeTurnBlock":
      return { ...state, turns: patchById(state.turns, edit.turnId, (t) => ({ ...t, blocks: t.blocks.filter((b) => b.id !== edit.id) })) };
    case "addVariables":
      return { ...state, variables: [...state.variables, ...edit.variables.map((v) => newVariable(v.id, v.name))] };
    case "patchVariable":
      return { ...state, variables: patchById(state.variables, edit.id, (v) => ({ ...v, ...edit.patch })) };
    case "removeVariable":
      return { ...state, variables: state.variables.filter((v) => v.id !== edit.id) };
    case "addTool":
      return {
        ...state,
        tools: breakpointOnLastTool([...state.tools, { id: edit.id, name: "", description: "", schemaText: STARTER_TOOL_SCHEMA, cache: "off" }]),
      };
    case "patchTool":
      return { ...state, tools: patchById(state.tools, edit.id, (t) => ({ ...t, ...edit.patch })) };
    case "moveTool":
      return { ...state, tools: breakpointOnLastTool(moveItem(state.tools, edit.from, edit.to)) };
    case "removeTool":
      return {
        ...state,
        tools: breakpointOnLastTool(
          state.tools.filter((t) => t.id !== edit.id),
          state.tools.find((t) => t.id === edit.id),
        ),
      };
    case "setToolsCache":
      return {
        ...state,
        tools: state.tools.map((t, i) =>
          i === state.tools.length - 1 ? { ...t, cache: edit.cache } : t.cache === "off" ? t : { ...t, cache: "off", cacheRaw: undefined },
        ),
      };
    case "addHistory":
      return {
        ...state,
        variables: [...state.variables, { ...newVariable(edit.id, edit.name), type: "messages", required: false, position: edit.position }],
      };
    case "setRouting":
      return { ...state, routing: edit.rules };
    case "setOutputFormat":
      return { ...state, outputFormat: edit.format, schemaText: edit.format === "json" && !state.schemaText ? STARTER_JSON_SCHEMA : state.schemaText };
  }
}
