import { z } from "zod";

/**
 * The names a model-routing rule can take and the name logged when no rule matched. They live
 * here, below both `prompts` (which validates the rules) and `metrics` (which filters calls and
 * rollups by the rule that fired), so both read one definition.
 */

/** The rule name logged for a call of a routed version that no rule matched (reserved). */
export const DEFAULT_ROUTE = "default";
export const ROUTING_RULE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The message of a filter value that is no rule name. */
export const RULE_FILTER_MESSAGE = `rule must be a routing rule's name (1-64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit) or "${DEFAULT_ROUTE}"`;

/**
 * A `rule` filter value (metrics, call explorer): a rule name or "default" (the calls of routed
 * versions no rule matched). Anything else is refused, so a typo answers 400 instead of an empty
 * page.
 */
export const routingRuleFilterSchema = z.string().regex(ROUTING_RULE_NAME_PATTERN, RULE_FILTER_MESSAGE);
