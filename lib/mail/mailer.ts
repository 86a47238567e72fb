import nodemailer from "nodemailer";
import { getEnv, type Env } from "@/lib/env";
import { childLogger } from "@/lib/logger";

const log = childLogger({ component: "mail" });

/** One outgoing message: plain text always, HTML optional. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** How a message went: sent (with the server's id), or not configured, or failed with a reason a person can read. */
export type MailOutcome = { status: "sent"; messageId: string } | { status: "not_configured" } | { status: "failed"; reason: string };

export interface Mailer {
  send(message: MailMessage): Promise<MailOutcome>;
}

/** SMTP settings from the environment: both SMTP_URL and EMAIL_FROM, or neither (no mail). */
export interface SmtpConfig {
  url: string;
  from: string;
}

/** The SMTP configuration in `env`, or null when mail is off (getEnv already refused one without the other). */
export function smtpConfig(env: Env = getEnv()): SmtpConfig | null {
  return env.SMTP_URL && env.EMAIL_FROM ? { url: env.SMTP_URL, from: env.EMAIL_FROM } : null;
}

const SEND_TIMEOUT_MS = 15_000;

/**
 * A mailer over SMTP (nodemailer). `send` never throws: a refused or unreachable server is a
 * `failed` outcome with the reason (logged), so callers can tell the user and carry on.
 */
export function createSmtpMailer(config: SmtpConfig): Mailer {
  const transport = nodemailer.createTransport(config.url, {
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  });
  return {
    async send(message) {
      try {
        const info = await transport.sendMail({ from: config.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
        return { status: "sent", messageId: String(info.messageId) };
      } catch (error) {
        log.warn({ err: error, to: message.to }, "sending mail failed");
        return { status: "failed", reason: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

const notConfigured: Mailer = { send: () => Promise.resolve({ status: "not_configured" }) };

/** The mailer for the environment: SMTP when SMTP_URL and EMAIL_FROM are set, else one that sends nothing. */
export function getMailer(env: Env = getEnv()): Mailer {
  const config = smtpConfig(env);
  return config ? createSmtpMailer(config) : notConfigured;
}
