/**
 * A local OpenID Connect provider to try single sign-on with (`npm run oidc:dev`): the same
 * `oidc-provider` the e2e tests use (tests/e2e/sso-helpers.ts). Any login that is an email address
 * signs in with that email, verified; any password. For trying things out only, never production.
 *
 *   npm run oidc:dev -- [--port 9400] [--app http://localhost:3000]
 *
 * It prints the AUTH_OIDC_* variables to start Promptdeck with.
 */
import { parseArgs } from "node:util";
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, startOidcProvider } from "../tests/e2e/sso-helpers";

const { values } = parseArgs({
  options: { port: { type: "string", default: "9400" }, app: { type: "string", default: "http://localhost:3000" } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`--port must be a TCP port, got ${values.port}`);
  process.exit(2);
}
let app: URL;
try {
  app = new URL(values.app);
} catch {
  console.error(`--app must be the app's URL, e.g. http://localhost:3000, got ${values.app}`);
  process.exit(2);
}

const idp = await startOidcProvider({
  port,
  redirectUris: [new URL("/api/auth/callback/oidc", app).toString()],
  identityFor: (login) => (login.includes("@") ? { login, email: login.toLowerCase(), emailVerified: true, name: login.split("@")[0] ?? login } : undefined),
});
console.log(`OpenID Connect provider (development only) at ${idp.issuer}
Start Promptdeck with:
  NEXTAUTH_URL=${app.origin} AUTH_OIDC_ISSUER=${idp.issuer} AUTH_OIDC_CLIENT_ID=${OIDC_CLIENT_ID} AUTH_OIDC_CLIENT_SECRET=${OIDC_CLIENT_SECRET} AUTH_OIDC_NAME="Local SSO" AUTH_OIDC_DEFAULT_PROJECT=demo npm run demo
Then "Sign in with Local SSO" and log in with any email address (any password).`);
const stop = () => void idp.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
