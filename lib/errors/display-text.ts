import { z } from "zod";

/**
 * Characters never part of a name people read: C0 and C1 controls, DEL, and the bidirectional
 * embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder the text that
 * follows them on screen ("‮txt.exe" shows as "exe.txt") and make a name pose as another.
 */
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** A character that shows on screen: not whitespace, not a format character (zero-width space and joiners, BOM), not a combining mark alone. */
const VISIBLE = /[^\p{White_Space}\p{Cf}\p{Cc}\p{M}]/u;

/**
 * Why `text` cannot be a display name (a person's or a project's), or null: control or
 * text-direction characters, or nothing visible (only zero-width or format characters), which
 * would show as a blank name in member lists, the project switcher and the audit log.
 * `label` starts the message ("Name", "Project name").
 */
export function displayTextProblem(text: string, label: string): string | null {
  if (UNSAFE_IN_NAME.test(text)) return `${label} must not contain control or text-direction characters`;
  if (!VISIBLE.test(text)) return `${label} must contain a visible character`;
  return null;
}

/**
 * A display name: trimmed, `empty` when blank, at most `max` characters (`tooLong`), and no
 * control, text-direction or only-invisible characters (displayTextProblem).
 */
export function displayTextSchema(opts: { label: string; max: number; empty: string; tooLong: string }) {
  return z
    .string()
    .trim()
    .min(1, opts.empty)
    .max(opts.max, opts.tooLong)
    .superRefine((text, ctx) => {
      if (text.length === 0 || text.length > opts.max) return;
      const problem = displayTextProblem(text, opts.label);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}
