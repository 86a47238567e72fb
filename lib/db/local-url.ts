const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Whether a PostgreSQL connection string points at this machine: host 127.0.0.1, localhost or
 * ::1, or a unix socket (empty host, or a `host=/path` parameter). Tests use it to refuse
 * wiping a remote database.
 */
export function isLocalDatabaseUrl(databaseUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return false;
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") return false;
  const hostParam = url.searchParams.get("host");
  if (hostParam !== null) return hostParam.startsWith("/") || LOCAL_HOSTS.has(hostParam);
  const host = decodeURIComponent(url.hostname);
  return host === "" || host.startsWith("%2F") || host.startsWith("/") || LOCAL_HOSTS.has(host.toLowerCase());
}

/** Throws unless isLocalDatabaseUrl(databaseUrl); the message never repeats credentials. */
export function assertLocalDatabaseUrl(databaseUrl: string, variable = "TEST_DATABASE_URL"): void {
  if (!isLocalDatabaseUrl(databaseUrl)) {
    let where = "an unparsable URL";
    try {
      where = `host "${new URL(databaseUrl).hostname}"`;
    } catch {
      // keep the generic wording
    }
    throw new Error(`${variable} points at ${where}; the test suite wipes its database, so it only accepts 127.0.0.1, localhost, ::1 or a unix socket.`);
  }
}
