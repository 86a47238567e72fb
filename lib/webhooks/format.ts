import type { WebhookFormat } from "./schemas";

/** The delivered event (the JSON format's body): the same id on every attempt and redelivery. */
export interface WebhookEnvelope {
  id: string;
  type: string;
  createdAt: string;
  project: { id: string; slug: string; name: string };
  data: Record<string, unknown>;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : value == null ? "" : JSON.stringify(value);
}

// Slack mrkdwn: &, < and > are control characters.
function esc(value: unknown): string {
  return str(value).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** One line saying what happened, in Slack mrkdwn. */
export function summarizeEvent(event: WebhookEnvelope): string {
  const d = event.data;
  const prompt = `*${esc(d.prompt)}*`;
  const experiment = (d.experiment ?? {}) as { name?: unknown };
  switch (event.type) {
    case "version.published":
      return `${prompt} ${esc(d.version)} published${d.changelog ? `: ${esc(d.changelog)}` : ""}`;
    case "label.moved":
      return `${prompt}: \`${esc(d.label)}\` now serves ${esc(d.version)}${d.previousVersion ? ` (was ${esc(d.previousVersion)})` : ""}${d.reason ? ` · ${esc(d.reason)}` : ""}`;
    case "experiment.started":
    case "experiment.paused":
    case "experiment.completed": {
      const verb = event.type.slice("experiment.".length);
      const promoted = d.promoted as { variant?: unknown; version?: unknown } | undefined;
      return `Experiment *${esc(experiment.name)}* on ${prompt} (\`${esc(d.label)}\`) ${verb}${promoted ? `: variant ${esc(promoted.variant)} (${esc(promoted.version)}) promoted` : ""}${d.reason ? ` · ${esc(d.reason)}` : ""}`;
    }
    case "eval.completed": {
      const versions = Array.isArray(d.versions) ? (d.versions as Array<{ version?: unknown }>).map((v) => esc(v.version)).join(", ") : "";
      return `Eval run of ${prompt} completed${versions ? ` (${versions})` : ""}`;
    }
    case "webhook.test":
      return `Test event from Promptdeck project *${esc(event.project.name)}*: this endpoint receives its events.`;
    default:
      return `${esc(event.type)} in *${esc(event.project.name)}*`;
  }
}

/**
 * The body sent to an endpoint: the envelope as JSON, or for "slack" an incoming-webhook message
 * (`text` plus blocks; Slack-compatible receivers such as Mattermost and Discord's /slack accept it).
 */
export function deliveryBody(format: WebhookFormat, event: WebhookEnvelope): string {
  if (format === "json") return JSON.stringify(event);
  const summary = summarizeEvent(event);
  return JSON.stringify({
    text: summary,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: summary } },
      { type: "context", elements: [{ type: "mrkdwn", text: `${esc(event.type)} · ${esc(event.project.slug)} · ${esc(event.id)}` }] },
    ],
  });
}
