/**
 * Public surface of the Anthropic-compatible Claude simulator. See README.md.
 */
export { createSimulator, startSimulator } from "./server";
export type { Simulator, SimulatorOptions, SimulatorState, RequestLogEntry } from "./server";
export { FaultController, parseFaultSpec, findMagicFault } from "./faults";
export type { FaultRule, FaultSpec, FaultKind } from "./faults";
export { PromptCache, systemClock, TTL_MS, LOOKBACK_BLOCKS } from "./prompt-cache";
export type { Clock, CacheUsage } from "./prompt-cache";
export { tokenizerFactor, flattenPrompt } from "./tokens";
export type { SimMessage, SimUsage, StopReason } from "./messages";
export { SimApiError } from "./errors";
