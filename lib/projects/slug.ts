import { z } from "zod";

export const SLUG_MAX_LENGTH = 48;
/** Slugs that would collide with app routes or read as reserved words. */
export const RESERVED_SLUGS = new Set(["new", "api", "admin", "settings", "setup", "signin", "p"]);

/** lowercase letters, digits and single dashes; starts and ends with a letter or digit. */
export const projectSlugSchema = z
  .string()
  .min(2, "Slug must be at least 2 characters")
  .max(SLUG_MAX_LENGTH, `Slug must be at most ${SLUG_MAX_LENGTH} characters`)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "Use lowercase letters, digits and dashes")
  .refine((s) => !RESERVED_SLUGS.has(s), { message: "This slug is reserved" });

/**
 * Turns a display name into a URL slug: accents stripped, lowercase, runs of anything else
 * collapsed to one dash, trimmed to SLUG_MAX_LENGTH without a trailing dash. Returns "" when
 * nothing usable is left (callers then ask for a slug or fall back).
 */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/g, "");
}
