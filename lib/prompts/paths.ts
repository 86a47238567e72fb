/**
 * URLs of a prompt's pages. Names may contain "/", so they are encoded into one path segment
 * (pages decode it again, see `decodePromptName`).
 */
export function promptPath(project: string, name: string, sub = ""): string {
  return `/p/${project}/prompts/${encodeURIComponent(name)}${sub ? `/${sub}` : ""}`;
}

/** The prompt name from a route param (names never contain "%", so decoding twice is harmless). */
export function decodePromptName(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch {
    return param;
  }
}
