import { describe, expect, it } from "vitest";
import { oidcSettings, parseEnv } from "@/lib/env";
import { domainAllowed, emailDomain, identityFromClaims } from "@/lib/users/sso";

const SSO = { AUTH_OIDC_ISSUER: "https://login.acme.com/", AUTH_OIDC_CLIENT_ID: "promptdeck", AUTH_OIDC_CLIENT_SECRET: "s3cret" };

describe("single sign-on configuration (AUTH_OIDC_*)", () => {
  it("is off unless the issuer, client id and secret are set", () => {
    expect(oidcSettings(parseEnv({}))).toBeNull();
    expect(oidcSettings(parseEnv({ AUTH_OIDC_ISSUER: "", AUTH_OIDC_CLIENT_ID: "", AUTH_OIDC_CLIENT_SECRET: "" }))).toBeNull();
  });

  it("reads the settings, trims the issuer's trailing slash and lowercases the domains", () => {
    const settings = oidcSettings(
      parseEnv({ ...SSO, AUTH_OIDC_NAME: "Okta", AUTH_OIDC_ALLOWED_DOMAINS: " Acme.com, acme.io ,", AUTH_OIDC_DEFAULT_PROJECT: "support-bots" }),
    );
    expect(settings).toEqual({
      issuer: "https://login.acme.com",
      clientId: "promptdeck",
      clientSecret: "s3cret",
      name: "Okta",
      allowedDomains: ["acme.com", "acme.io"],
      defaultProject: "support-bots",
    });
    expect(oidcSettings(parseEnv(SSO))?.name).toBe("single sign-on");
  });

  it("refuses a bad issuer URL at startup, naming the variable", () => {
    expect(() => parseEnv({ ...SSO, AUTH_OIDC_ISSUER: "login.acme.com" })).toThrow(/AUTH_OIDC_ISSUER: must be the identity provider's issuer URL/);
    expect(() => parseEnv({ ...SSO, AUTH_OIDC_ISSUER: "ftp://login.acme.com" })).toThrow(/AUTH_OIDC_ISSUER/);
  });

  it("refuses a partial configuration, naming what is missing", () => {
    expect(() => parseEnv({ AUTH_OIDC_ISSUER: SSO.AUTH_OIDC_ISSUER })).toThrow(
      /AUTH_OIDC_CLIENT_ID: required for single sign-on \(AUTH_OIDC_ISSUER is set\)[\s\S]*AUTH_OIDC_CLIENT_SECRET: required/,
    );
    expect(() => parseEnv({ AUTH_OIDC_CLIENT_ID: "x", AUTH_OIDC_CLIENT_SECRET: "y" })).toThrow(/AUTH_OIDC_ISSUER: required for single sign-on/);
  });

  it("refuses malformed domains and project slugs", () => {
    expect(() => parseEnv({ ...SSO, AUTH_OIDC_ALLOWED_DOMAINS: "acme.com, not a domain" })).toThrow(
      /AUTH_OIDC_ALLOWED_DOMAINS.*comma-separated list of email domains/,
    );
    expect(() => parseEnv({ ...SSO, AUTH_OIDC_ALLOWED_DOMAINS: "@acme.com" })).toThrow(/AUTH_OIDC_ALLOWED_DOMAINS/);
    expect(() => parseEnv({ ...SSO, AUTH_OIDC_DEFAULT_PROJECT: "Not A Slug" })).toThrow(/AUTH_OIDC_DEFAULT_PROJECT: must be a project slug/);
    expect(() => parseEnv({ ...SSO, AUTH_OIDC_NAME: "x".repeat(61) })).toThrow(/AUTH_OIDC_NAME/);
  });
});

describe("identity claims", () => {
  it("reads subject, lowercased email, the verified flag (boolean or string) and a name", () => {
    expect(identityFromClaims("oidc", { sub: "u1", email: " Ada@Acme.COM ", email_verified: true, name: "Ada" })).toEqual({
      provider: "oidc",
      subject: "u1",
      email: "ada@acme.com",
      emailVerified: true,
      name: "Ada",
    });
    expect(identityFromClaims("oidc", { sub: "u1", email: "a@acme.com", email_verified: "true", preferred_username: "ada" })).toMatchObject({
      emailVerified: true,
      name: "ada",
    });
  });

  it("treats a missing, false or malformed verified flag as unverified and a malformed email as none", () => {
    expect(identityFromClaims("oidc", { sub: "u1", email: "a@acme.com" })?.emailVerified).toBe(false);
    expect(identityFromClaims("oidc", { sub: "u1", email: "a@acme.com", email_verified: "false" })?.emailVerified).toBe(false);
    expect(identityFromClaims("oidc", { sub: "u1", email: "a@acme.com", email_verified: "yes" })?.emailVerified).toBe(false);
    expect(identityFromClaims("oidc", { sub: "u1", email: "not-an-email", email_verified: true })?.email).toBeNull();
  });

  it("has no identity without a subject", () => {
    expect(identityFromClaims("oidc", { email: "a@acme.com" })).toBeNull();
    expect(identityFromClaims("oidc", { sub: "" })).toBeNull();
    expect(identityFromClaims("oidc", null)).toBeNull();
  });
});

describe("allowed domains", () => {
  it("matches the domain exactly (no subdomains, no suffix tricks); an empty list allows any", () => {
    const policy = { allowedDomains: ["acme.com"] };
    expect(emailDomain("Ada@ACME.com")).toBe("acme.com");
    expect(domainAllowed("ada@acme.com", policy)).toBe(true);
    expect(domainAllowed("ada@evil-acme.com", policy)).toBe(false);
    expect(domainAllowed("ada@acme.com.evil.io", policy)).toBe(false);
    expect(domainAllowed("ada@eu.acme.com", policy)).toBe(false);
    expect(domainAllowed("ada@anything.io", { allowedDomains: [] })).toBe(true);
  });
});
