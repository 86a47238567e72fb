import { headers } from "next/headers";
import { getEnv } from "@/lib/env";

/**
 * This site's origin for links that leave the browser (invitation emails): NEXTAUTH_URL when
 * set, else the request's Host (X-Forwarded-Host / -Proto only behind a trusted proxy,
 * PROMPTDECK_TRUST_PROXY=1). Server actions have already checked that Origin matches Host.
 */
export async function requestOrigin(): Promise<string> {
  const env = getEnv();
  if (env.NEXTAUTH_URL) return new URL(env.NEXTAUTH_URL).origin;
  const h = await headers();
  const first = (name: string) => h.get(name)?.split(",")[0]?.trim() || undefined;
  const trusted = env.PROMPTDECK_TRUST_PROXY;
  const host = (trusted ? first("x-forwarded-host") : undefined) ?? h.get("host") ?? "localhost";
  const proto = (trusted ? first("x-forwarded-proto") : undefined) ?? "http";
  return `${proto === "https" ? "https" : "http"}://${host}`;
}
