import type { ModelSpec } from "@/lib/models/catalog";
import { effectiveVariables, renderVersion, resolveVariables, type RenderedRequest, type VariableInput } from "@/lib/prompts/render";
import { estimateRequestTokens, evaluateRouting, hasRouting, plainPatternTest, type PatternTester, type RouteDecision } from "@/lib/prompts/routing";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

/** A routing decision with the signal values it was made on (shown by the playground, kept in tests). */
export interface CallRoute extends RouteDecision {
  /** The version's own model (the default). */
  requestedModel: string;
  /** The input-token ESTIMATE of the rendered request the rules compared. */
  inputTokens: number;
}

/**
 * Where a call of `version` goes under its routing rules (lib/prompts/routing.ts), or null when
 * the version has none. Renders the version with the version's model and `variables` (throws the
 * render's `unprocessable` error for bad variables, like any run), estimates the rendered input
 * tokens (plus `extraMessages`, e.g. a continued conversation), reads the variables as rendered
 * text, and evaluates the rules with `metadata`. Pure apart from `test` (the server passes a
 * time-limited pattern test).
 */
export function routeCall(
  version: Pick<PromptVersionContent, "system" | "messages" | "variables" | "modelConfig" | "snippets">,
  variables: VariableInput,
  options: {
    metadata?: Readonly<Record<string, unknown>>;
    coerceStrings?: boolean;
    catalog?: readonly ModelSpec[];
    extraMessages?: ReadonlyArray<{ content: unknown }>;
    test?: PatternTester;
  } = {},
): CallRoute | null {
  const routing = version.modelConfig.routing;
  if (!routing || !hasRouting(version.modelConfig)) return null;
  const rendered = renderVersion(version, variables, { coerceStrings: options.coerceStrings, ...(options.catalog ? { catalog: options.catalog } : {}) });
  const extra = (options.extraMessages ?? []).map((m) => ({
    content: typeof m.content === "string" ? m.content : Array.isArray(m.content) ? (m.content as unknown[]) : [m.content],
  }));
  const inputTokens = estimateRequestTokens({ ...rendered, messages: [...rendered.messages, ...extra] });
  const values = resolveVariables(effectiveVariables(version), variables, { coerceStrings: options.coerceStrings });
  const decision = evaluateRouting(
    routing,
    { inputTokens, variables: values, metadata: options.metadata ?? {} },
    version.modelConfig.model,
    options.test ?? plainPatternTest,
  );
  return { ...decision, requestedModel: version.modelConfig.model, inputTokens };
}

/** The routing columns of a CallLog row: the version's model, what its rules picked and the rule (null without routing). */
export interface RouteColumns {
  requestedModel: string;
  routedModel: string | null;
  routingRule: string | null;
}

/**
 * Renders `version` for `variables` on the model its routing rules pick (`routeCall`), for the
 * doors that send requests themselves instead of through the runner: Message Batches (batch jobs,
 * batch evals) and the render API. Returns the rendered request and the route (null when the
 * version has no rules: the request is on the version's model). Throws the render's
 * `unprocessable` error for bad variables, like `renderVersion`.
 */
export function renderRouted(
  version: Pick<PromptVersionContent, "system" | "messages" | "variables" | "modelConfig" | "snippets">,
  variables: VariableInput,
  options: { metadata?: Readonly<Record<string, unknown>>; coerceStrings?: boolean; catalog?: readonly ModelSpec[]; test?: PatternTester } = {},
): { request: RenderedRequest; route: CallRoute | null } {
  const route = routeCall(version, variables, options);
  const request = renderVersion(version, variables, {
    coerceStrings: options.coerceStrings,
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(route ? { model: route.model } : {}),
  });
  return { request, route };
}

/** The CallLog routing columns for a call of a version on `route` (`renderRouted`). */
export function routeColumns(version: Pick<PromptVersionContent, "modelConfig">, route: CallRoute | null): RouteColumns {
  return { requestedModel: version.modelConfig.model, routedModel: route?.model ?? null, routingRule: route?.rule ?? null };
}
