/**
 * The client's address as the HTTP entry saw it (socket peer, or the trusted proxy's last
 * `X-Forwarded-For` hop; see `clientAddress` in lib/http/proxy.ts). server.ts stamps it on every
 * request it hands to Next under this header, replacing whatever the client sent, so the sign-in
 * endpoint can count failures per address.
 */
export const CLIENT_ADDRESS_HEADER = "x-promptdeck-client-address";

/** The stamped address from a header record (next-auth's request headers), or undefined. */
export function clientAddressFromHeaders(headers: Record<string, unknown> | undefined): string | undefined {
  const value = headers?.[CLIENT_ADDRESS_HEADER];
  return typeof value === "string" && value.length > 0 && value.length <= 100 ? value : undefined;
}
