import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration } from "oidc-provider";
import { E2E_AUTH_SECRET } from "../../playwright.config";

/**
 * A real OpenID Connect provider (the `oidc-provider` package) for the single sign-on specs, and
 * a Promptdeck server configured to use it. Nothing of next-auth is mocked: the browser walks the
 * provider's own sign-in (its development interaction pages: any password, then "Continue") and
 * the app verifies the provider's ID token, PKCE, state and nonce as it would in production.
 */

export interface TestIdentity {
  /** What the test types into the provider's login field (the subject). */
  login: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

export interface LocalOidcProvider {
  issuer: string;
  port: number;
  /** Makes an identity known to the provider (the subject is its login). */
  addIdentity(identity: TestIdentity): void;
  close(): Promise<void>;
}

export const OIDC_CLIENT_ID = "promptdeck-e2e";
export const OIDC_CLIENT_SECRET = "promptdeck-e2e-client-secret-0123456789";

/** Starts the provider on `port` (0: a free one) for a client whose callback is `redirectUri`. */
export async function startOidcProvider(options: {
  port?: number;
  redirectUris: string[];
  identities?: Map<string, TestIdentity>;
  /** For logins not in `identities` (the development script signs in any email address). */
  identityFor?: (login: string) => TestIdentity | undefined;
}): Promise<LocalOidcProvider> {
  const identities = options.identities ?? new Map<string, TestIdentity>();
  const server: Server = createServer();
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const configuration: Configuration = {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        client_secret: OIDC_CLIENT_SECRET,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: ["promptdeck-e2e-oidc-cookie-key-0123456789"] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    findAccount(_ctx, sub) {
      const identity = identities.get(sub) ?? options.identityFor?.(sub);
      if (!identity) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: identity.email, email_verified: identity.emailVerified, name: identity.name }),
      };
    },
  };
  const provider = new Provider(issuer, configuration);
  const handle = provider.callback();
  server.on("request", (req, res) => {
    void handle(req, res);
  });
  return {
    issuer,
    port,
    addIdentity(identity) {
      identities.set(identity.login, identity);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface AppServer {
  baseURL: string;
  /** What the server printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts server.ts (the production build `next build` made) on its own port with `env` added to
 * the environment the e2e webServer gets, on the same database, and waits until it serves.
 */
export async function startAppServer(port: number, env: Record<string, string>): Promise<AppServer> {
  const baseURL = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn("node_modules/.bin/tsx", ["server.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      NEXT_TELEMETRY_DISABLED: "1",
      NEXTAUTH_URL: baseURL,
      AUTH_SECRET: process.env.AUTH_SECRET ?? E2E_AUTH_SECRET,
      DATABASE_URL: process.env.DATABASE_URL ?? "",
      DATABASE_POOL_MAX: "2",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit");
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server.ts exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${baseURL}/icon.svg`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server.ts did not start in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    baseURL,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
