import net from "node:net";
import { z } from "zod";
import { PROJECT_EVENT_TYPES, type ProjectEventType } from "@/lib/prompts/notify";
import { classifyAddress, describeAddress } from "./address";

export const WEBHOOK_FORMATS = ["json", "slack"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Event types an endpoint can subscribe to (every type the outbox records). */
export const SUBSCRIBABLE_EVENT_TYPES: ProjectEventType[] = [...PROJECT_EVENT_TYPES];

/** What an event type means, for the settings form. */
export const EVENT_TYPE_DESCRIPTIONS: Record<ProjectEventType, string> = {
  "version.published": "a prompt version is published",
  "label.moved": "a label points at another version (publish, move, rollback, promotion)",
  "experiment.started": "an experiment starts",
  "experiment.paused": "an experiment is paused (by a person or a guardrail)",
  "experiment.completed": "an experiment ends or is promoted",
  "eval.completed": "an eval run completes",
  "release.requested": "a release of a label under a release rule is requested",
  "release.approved": "a release request is approved (the label moves)",
  "release.rejected": "a release request is rejected",
};

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Why `raw` cannot be a webhook URL, or null when it can (as far as the text shows: names are
 * resolved by `checkWebhookTarget`). http(s) only, a host, no internal IP literal unless allowed.
 */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Enter a full URL, such as https://hooks.example.com/promptdeck";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `Only http and https URLs can receive webhooks (not ${url.protocol.replace(/:$/, "")})`;
  if (!url.hostname) return "The URL needs a host";
  if (url.hash) return "A webhook URL cannot have a #fragment";
  if (allowPrivate) return null;
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (net.isIP(host)) {
    const cls = classifyAddress(host);
    if (cls !== "public") return `Webhooks cannot reach a ${describeAddress(host)} (internal addresses are refused unless the operator allows them)`;
  }
  const lower = host.toLowerCase();
  if (lower === "localhost" || lower.endsWith(".localhost") || lower.endsWith(".local") || lower.endsWith(".internal") || !lower.includes(".")) {
    return `Webhooks cannot reach ${host}: it names a host inside the network (internal addresses are refused unless the operator allows them)`;
  }
  return null;
}

export const webhookEndpointInputSchema = z.strictObject({
  url: z
    .string({ error: "Enter the endpoint's URL" })
    .trim()
    .min(1, "Enter the endpoint's URL")
    .max(MAX_WEBHOOK_URL_LENGTH, `At most ${MAX_WEBHOOK_URL_LENGTH} characters`),
  description: z.string().trim().max(200, "At most 200 characters").default(""),
  events: z
    .array(z.string())
    .min(1, "Pick at least one event")
    .pipe(z.array(z.enum(SUBSCRIBABLE_EVENT_TYPES as [ProjectEventType, ...ProjectEventType[]], { error: "Unknown event type" })))
    .transform((events) => SUBSCRIBABLE_EVENT_TYPES.filter((t) => events.includes(t))),
  format: z.enum(WEBHOOK_FORMATS, { error: "Format is json or slack" }).default("json"),
});
export type WebhookEndpointInput = z.input<typeof webhookEndpointInputSchema>;

export const webhookEndpointUpdateSchema = webhookEndpointInputSchema.extend({
  endpointId: z.string().min(1).max(100),
  enabled: z.boolean(),
});
export type WebhookEndpointUpdate = z.input<typeof webhookEndpointUpdateSchema>;
