import { z } from "zod";

export const DECIMAL_INTEGER_MESSAGE = "must be a whole number written in decimal digits (0-9)";

/**
 * An integer query parameter: `inner` (e.g. `z.number().int().min(1).max(200).default(50)`) read
 * from a string of decimal digits only. `Number()` (what `z.coerce.number()` uses) would also read
 * `0x10`, `1e1`, `0b1`, ` 16 ` and `""` (as 16, 10, 1, 16 and 0); those are refused with a message
 * naming the rule. Numbers (a JSON body) and `undefined` (absent, so `inner`'s default applies)
 * pass through. The OpenAPI input schema stays `inner`'s (`type: integer`, minimum, maximum).
 */
export function queryIntSchema<T extends z.ZodType>(inner: T) {
  return z.preprocess((value, ctx) => {
    if (typeof value !== "string") return value;
    if (!/^\d+$/.test(value)) {
      ctx.addIssue({ code: "custom", message: DECIMAL_INTEGER_MESSAGE, input: value });
      return z.NEVER;
    }
    return Number(value);
  }, inner);
}
