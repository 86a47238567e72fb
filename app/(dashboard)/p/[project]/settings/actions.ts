"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import {
  createApiKey,
  createApiKeyInputSchema,
  revokeApiKey,
  updateApiKeyRateLimit,
  updateApiKeyRateLimitInputSchema,
  type CreatedApiKey,
} from "@/lib/api-keys/manage";
import { defineAction } from "@/lib/http/server-action";
import { releaseGateSchema, setReleaseGate } from "@/lib/prompts/release-gate";
import { setReleaseRules } from "@/lib/prompts/release-rules";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  redeliverWebhook,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhookEndpoint,
  type WebhookSecretShown,
} from "@/lib/webhooks/endpoints";
import { webhookEndpointInputSchema, webhookEndpointUpdateSchema } from "@/lib/webhooks/schemas";

// Creates an API key (ADMIN); the full key is returned once, for the dialog to show.
export const createApiKeyAction = defineAction(
  { role: "ADMIN", input: createApiKeyInputSchema, invalidMessage: "Invalid API key settings" },
  async (input, { actor, project }): Promise<CreatedApiKey> => {
    const created = await createApiKey(actor, input);
    revalidatePath(`/p/${project.slug}/settings`);
    return {
      id: created.id,
      name: created.name,
      key: created.key,
      prefix: created.prefix,
      rateLimitPerSecond: created.rateLimitPerSecond,
      rateLimitBurst: created.rateLimitBurst,
    };
  },
);

// Sets an API key's own rate limit (ADMIN; null values = the server's default). Audited.
export const updateApiKeyRateLimitAction = defineAction(
  { role: "ADMIN", input: updateApiKeyRateLimitInputSchema, invalidMessage: "Invalid rate limit" },
  async (input, { actor, project }) => {
    const limits = await updateApiKeyRateLimit(actor, input);
    revalidatePath(`/p/${project.slug}/settings`);
    return limits;
  },
);

// Revokes an API key (ADMIN).
export const revokeApiKeyAction = defineAction(
  { role: "ADMIN", input: z.strictObject({ apiKeyId: z.string().min(1).max(100) }) },
  async (input, { actor, project }) => {
    await revokeApiKey(actor, input.apiKeyId);
    revalidatePath(`/p/${project.slug}/settings`);
    return undefined;
  },
);

// Sets or removes the release gate (ADMIN): which labels need a passing eval before they move.
export const setReleaseGateAction = defineAction(
  { role: "ADMIN", input: z.strictObject({ gate: releaseGateSchema.nullable() }), invalidMessage: "Check the release gate settings" },
  async (input, { actor, project }) => {
    const gate = await setReleaseGate(actor, input.gate);
    revalidatePath(`/p/${project.slug}/settings`);
    return { gate };
  },
);

// Replaces the release rules (ADMIN): labels whose moves need an approved release request. The
// shape is checked here; label names and duplicates in lib (issues at rules.<i>.label).
export const setReleaseRulesAction = defineAction(
  {
    role: "ADMIN",
    input: z.strictObject({
      rules: z.array(z.strictObject({ label: z.string().max(100), fourEyes: z.boolean(), editorsMayApprove: z.boolean() })).max(50),
    }),
    invalidMessage: "Check the release rules",
  },
  async (input, { actor, project }) => {
    const rules = await setReleaseRules(actor, input.rules);
    revalidatePath(`/p/${project.slug}/settings`);
    return { rules };
  },
);

const endpointIdSchema = z.strictObject({ endpointId: z.string().min(1).max(100) });

// Adds a webhook endpoint (ADMIN); its signing secret is returned once, for the dialog to show.
export const createWebhookAction = defineAction(
  { role: "ADMIN", input: webhookEndpointInputSchema, invalidMessage: "Check the webhook settings" },
  async (input, { actor, project }): Promise<WebhookSecretShown> => {
    const shown = await createWebhookEndpoint(actor, input);
    revalidatePath(`/p/${project.slug}/settings`);
    return shown;
  },
);

// Changes a webhook endpoint's URL, events, format, enabled (ADMIN).
export const updateWebhookAction = defineAction(
  { role: "ADMIN", input: webhookEndpointUpdateSchema, invalidMessage: "Check the webhook settings" },
  async (input, { actor, project }) => {
    await updateWebhookEndpoint(actor, input);
    revalidatePath(`/p/${project.slug}/settings`);
    return undefined;
  },
);

// Replaces a webhook endpoint's signing secret (ADMIN); the new one is returned once.
export const rotateWebhookSecretAction = defineAction({ role: "ADMIN", input: endpointIdSchema }, async (input, { actor }) =>
  rotateWebhookSecret(actor, input.endpointId),
);

// Deletes a webhook endpoint and its delivery log (ADMIN).
export const deleteWebhookAction = defineAction({ role: "ADMIN", input: endpointIdSchema }, async (input, { actor, project }) => {
  await deleteWebhookEndpoint(actor, input.endpointId);
  revalidatePath(`/p/${project.slug}/settings`);
  return undefined;
});

// Sends a webhook.test event to one endpoint (ADMIN).
export const sendTestWebhookAction = defineAction({ role: "ADMIN", input: endpointIdSchema }, async (input, { actor, project }) => {
  const deliveryId = await sendTestEvent(actor, input.endpointId);
  revalidatePath(`/p/${project.slug}/settings/webhooks/${input.endpointId}`);
  return { deliveryId };
});

// Delivers an event to its endpoint again, same event id (ADMIN).
export const redeliverWebhookAction = defineAction(
  { role: "ADMIN", input: z.strictObject({ deliveryId: z.string().min(1).max(100) }) },
  async (input, { actor }) => ({ deliveryId: await redeliverWebhook(actor, input.deliveryId) }),
);
