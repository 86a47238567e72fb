// An outage as an app instance sees one: a TCP proxy in front of PostgreSQL that the test cuts
// (refuses new connections, drops open ones) and restores. Shared by the outage tests
// (serving-outage, runtime-web-outage); the shared server on 5432 is never touched.
import net from "node:net";
import type { AddressInfo } from "node:net";

/** A TCP proxy to `target` (a database URL: its host and port) that can be cut and restored. */
export class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** The proxy's port (0 until the first `up()`; kept across a cut, so URLs stay valid). */
  port = 0;
  constructor(private readonly target: URL) {}

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port || 5432), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** The target's URL through the proxy (same database, user and options). */
  url(): string {
    const url = new URL(this.target.toString());
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.toString();
  }
}
