import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { acceptAsNewUserInputSchema, inviteInputSchema, invitationProblem } from "@/lib/members/invitations";
import { removesLastAdmin } from "@/lib/members/manage";
import { generateInvitationToken, hashInvitationToken, invitationEmail, invitationLink, invitationState, invitationTokenSchema } from "@/lib/members/tokens";
import { changePasswordInputSchema } from "@/lib/users/account";

const now = new Date("2026-12-03T12:00:00Z");

describe("invitation tokens", () => {
  it("are 43 url-safe characters, different each time, stored as their SHA-256", () => {
    const a = generateInvitationToken();
    const b = generateInvitationToken();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashInvitationToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(invitationTokenSchema.safeParse(a.token).success).toBe(true);
    for (const bad of ["", "short", `${a.token}x`, `${a.token.slice(0, 42)}/`, "../".repeat(15).slice(0, 43)]) {
      expect(invitationTokenSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("state: accepted and revoked are final, otherwise pending until the expiry instant", () => {
    const base = { acceptedAt: null, revokedAt: null, expiresAt: new Date(now.getTime() + 1000) };
    expect(invitationState(base, now)).toBe("pending");
    expect(invitationState({ ...base, expiresAt: now }, now)).toBe("expired");
    expect(invitationState({ ...base, acceptedAt: now, expiresAt: new Date(0) }, now)).toBe("accepted");
    expect(invitationState({ ...base, revokedAt: now }, now)).toBe("revoked");
    expect(invitationProblem("pending")).toBeNull();
    expect(invitationProblem("expired")).toMatch(/expired/);
    expect(invitationProblem("accepted")).toMatch(/already used/);
    expect(invitationProblem("revoked")).toMatch(/revoked/);
    expect(invitationProblem("unknown")).toMatch(/not valid/);
  });

  it("builds the link and an email that escapes names in HTML", () => {
    expect(invitationLink("https://pd.example.com/", "tok")).toBe("https://pd.example.com/invite/tok");
    const mail = invitationEmail({ projectName: "<Acme & Co>", role: "Viewer", inviterName: "Ada", link: "https://pd/invite/t", expiresAt: now });
    expect(mail.subject).toBe("Ada invited you to <Acme & Co> on Promptdeck");
    expect(mail.text).toContain("https://pd/invite/t");
    expect(mail.text).toContain("2026-12-03 12:00 UTC");
    expect(mail.html).toContain("&lt;Acme &amp; Co&gt;");
    expect(mail.html).not.toContain("<Acme");
  });
});

describe("input schemas", () => {
  it("invite: email lowercased and trimmed, role one of the three", () => {
    expect(inviteInputSchema.parse({ email: "  Pat@Example.COM ", role: "EDITOR" })).toEqual({ email: "pat@example.com", role: "EDITOR" });
    expect(inviteInputSchema.safeParse({ email: "nope", role: "EDITOR" }).success).toBe(false);
    expect(inviteInputSchema.safeParse({ email: "a@b.co", role: "OWNER" }).success).toBe(false);
    expect(inviteInputSchema.safeParse({ email: "a@b.co", role: "VIEWER", extra: 1 }).success).toBe(false);
    expect(inviteInputSchema.safeParse({ email: `${"a".repeat(250)}@b.co`, role: "VIEWER" }).success).toBe(false);
  });

  it("accept as a new person: name, a policy-conforming password typed twice", () => {
    const token = generateInvitationToken().token;
    expect(acceptAsNewUserInputSchema.safeParse({ token, name: "Pat", password: "long-enough", confirmPassword: "long-enough" }).success).toBe(true);
    const mismatch = acceptAsNewUserInputSchema.safeParse({ token, name: "Pat", password: "long-enough", confirmPassword: "long-enougH" });
    expect(mismatch.success ? [] : mismatch.error.issues.map((i) => i.path.join("."))).toEqual(["confirmPassword"]);
    expect(acceptAsNewUserInputSchema.safeParse({ token, name: " ", password: "long-enough", confirmPassword: "long-enough" }).success).toBe(false);
    expect(acceptAsNewUserInputSchema.safeParse({ token, name: "Pat", password: "short", confirmPassword: "short" }).success).toBe(false);
  });

  it("password change: current required, new one differs and is typed twice", () => {
    expect(changePasswordInputSchema.safeParse({ currentPassword: "old-password", newPassword: "new-password", confirmPassword: "new-password" }).success).toBe(
      true,
    );
    const same = changePasswordInputSchema.safeParse({ currentPassword: "same-password", newPassword: "same-password", confirmPassword: "same-password" });
    expect(same.success ? [] : same.error.issues.map((i) => i.path.join("."))).toEqual(["newPassword"]);
    expect(changePasswordInputSchema.safeParse({ currentPassword: "", newPassword: "new-password", confirmPassword: "new-password" }).success).toBe(false);
  });
});

describe("the last-admin rule", () => {
  it("only taking the admin role from the only admin is refused", () => {
    expect(removesLastAdmin("ADMIN", "EDITOR", 1)).toBe(true);
    expect(removesLastAdmin("ADMIN", null, 1)).toBe(true);
    expect(removesLastAdmin("ADMIN", "ADMIN", 1)).toBe(false);
    expect(removesLastAdmin("ADMIN", "VIEWER", 2)).toBe(false);
    expect(removesLastAdmin("EDITOR", null, 1)).toBe(false);
    expect(removesLastAdmin("VIEWER", null, 0)).toBe(false);
  });
});

describe("mail settings", () => {
  it("SMTP_URL and EMAIL_FROM come together, with clear messages for bad values", () => {
    expect(parseEnv({ SMTP_URL: "smtp://user:pw@mail.example.com:587", EMAIL_FROM: "Promptdeck <noreply@example.com>" })).toMatchObject({
      SMTP_URL: "smtp://user:pw@mail.example.com:587",
      EMAIL_FROM: "Promptdeck <noreply@example.com>",
    });
    expect(parseEnv({}).SMTP_URL).toBeUndefined();
    expect(parseEnv({}).PROMPTDECK_INVITATION_DAYS).toBe(7);
    expect(() => parseEnv({ SMTP_URL: "smtp://mail.example.com" })).toThrow(/EMAIL_FROM: set SMTP_URL and EMAIL_FROM together/);
    expect(() => parseEnv({ EMAIL_FROM: "a@b.co" })).toThrow(/SMTP_URL: set SMTP_URL and EMAIL_FROM together/);
    expect(() => parseEnv({ SMTP_URL: "http://mail.example.com", EMAIL_FROM: "a@b.co" })).toThrow(/SMTP_URL: must start with smtp/);
    expect(() => parseEnv({ SMTP_URL: "smtp://mail.example.com", EMAIL_FROM: "not an address" })).toThrow(/EMAIL_FROM: must be an email address/);
    expect(() => parseEnv({ PROMPTDECK_INVITATION_DAYS: "0" })).toThrow(/PROMPTDECK_INVITATION_DAYS: must be at least 1 day/);
  });
});
