import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";

/** An invitation token: 32 random bytes, base64url (43 characters). Only its SHA-256 is stored. */
export function generateInvitationToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashInvitationToken(token) };
}

/** SHA-256 of a token, hex: the only form stored and looked up. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** What a token in a URL must look like before it is looked up (anything else is simply unknown). */
export const invitationTokenSchema = z
  .string()
  .length(43, "Unknown invitation link")
  .regex(/^[A-Za-z0-9_-]+$/, "Unknown invitation link");

export type InvitationState = "pending" | "expired" | "accepted" | "revoked";

/** Where an invitation stands at `now`: accepted and revoked are final; otherwise pending until it expires. */
export function invitationState(inv: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }, now: Date): InvitationState {
  if (inv.acceptedAt) return "accepted";
  if (inv.revokedAt) return "revoked";
  return inv.expiresAt.getTime() <= now.getTime() ? "expired" : "pending";
}

/** The link a person opens to accept: `<origin>/invite/<token>` (origin without a trailing slash). */
export function invitationLink(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, "")}/invite/${token}`;
}

/** The invitation email (plain text and HTML). */
export function invitationEmail(input: { projectName: string; role: string; inviterName: string | null; link: string; expiresAt: Date }): {
  subject: string;
  text: string;
  html: string;
} {
  const who = input.inviterName?.trim() || "A Promptdeck admin";
  const expires = input.expiresAt.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  const subject = `${who} invited you to ${input.projectName} on Promptdeck`;
  const text = [
    `${who} invited you to join the project "${input.projectName}" on Promptdeck as ${input.role}.`,
    "",
    `Accept the invitation: ${input.link}`,
    "",
    `The link works once and expires ${expires}. If you did not expect this, ignore this email.`,
  ].join("\n");
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const html = `<p>${esc(who)} invited you to join the project <strong>${esc(input.projectName)}</strong> on Promptdeck as ${esc(input.role)}.</p>
<p><a href="${esc(input.link)}">Accept the invitation</a></p>
<p style="color:#666">The link works once and expires ${esc(expires)}. If you did not expect this, ignore this email.</p>`;
  return { subject, text, html };
}
