/**
 * Demo data: the "Acme Support" project (slug `demo`) with an admin, a read-only viewer, an API
 * key with every scope and three realistic prompts with version history, labels and label
 * events. Used by `npm run db:seed`, `npm run demo` and the end-to-end tests.
 */
import { supportAgentToolsContent } from "@/lib/prompts/fixtures/support-agent-tools";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { SEED_MODEL_CATALOG } from "@/lib/models/catalog";
import { hashVersionContent } from "@/lib/prompts/content-hash";
import { DRAFT_MAJOR } from "@/lib/prompts/queries";
import { API_KEY_SCOPES, apiKeyDisplayPrefix, hashApiKey } from "@/lib/auth/api-keys";
import { hashPassword } from "@/lib/users/password";
import { insertItemRows, type ItemRow } from "@/lib/datasets/mutations";
import { datasetItemInputSchema } from "@/lib/datasets/schemas";
import { computeExperimentResults, experimentInclude, getExperiment, toExperimentView } from "@/lib/experiments/queries";
import { newExperimentDesign } from "@/lib/experiments/results";
import { DEFAULT_GUARDRAILS, DEFAULT_MDE, variantKeyFor, type MetricKey } from "@/lib/experiments/schemas";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import { resolveVersionIncludes } from "@/lib/prompts/snippets";
import { seedDemoTraffic, type DemoTrafficSummary } from "@/prisma/seed-traffic";

export const DEMO_ADMIN_EMAIL = "demo@promptdeck.dev";
export const DEMO_VIEWER_EMAIL = "viewer@promptdeck.dev";
export const DEMO_PASSWORD = "promptdeck";
export const DEMO_PROJECT_SLUG = "demo";
export const DEMO_PROJECT_NAME = "Acme Support";
/** Documented demo key; override with PROMPTDECK_DEMO_API_KEY. Demo only. */
export const DEFAULT_DEMO_API_KEY = "pd_demo_0000000000000000000000000000";

export interface DemoCredentials {
  adminEmail: string;
  viewerEmail: string;
  password: string;
  apiKey: string;
  projectSlug: string;
}

// ------------------------------------------------------------------------------------ content

type CacheControl = { type: "ephemeral"; ttl: "5m" | "1h" };
type SystemBlock = {
  type: "text";
  text: string;
  role: "instructions" | "persona" | "reference" | "examples" | "other";
  cache_control?: CacheControl;
};
type Message = { role: "user" | "assistant"; content: Array<{ type: "text"; text: string; cache_control?: CacheControl }> };

interface SeedVersion {
  version: [number, number, number];
  status: "PUBLISHED" | "DRAFT";
  changelog: string;
  daysAgo: number;
  system: SystemBlock[];
  messages: Message[];
  variables: Record<string, Record<string, unknown>>;
  modelConfig: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  policy: Record<string, unknown>;
}

interface SeedLabel {
  name: string;
  protected: boolean;
  /** Versions the label pointed at, oldest first, with when it moved. */
  history: Array<{ version: string; daysAgo: number; reason?: string }>;
}

interface SeedPrompt {
  name: string;
  /** A snippet holds text blocks that prompts include with {{> name@label}} (lib/prompts/snippets.ts); seeded before the prompts. */
  kind?: "SNIPPET";
  description: string;
  tags: string[];
  versions: SeedVersion[];
  labels: SeedLabel[];
}

const SUPPORT_PERSONA_V1 =
  "You are Ava, the customer support assistant for Acme Corp, an online retailer of home and office electronics. " +
  "You are warm, direct and precise. You write in plain language, in short paragraphs, and you never invent facts about " +
  "orders, accounts or policies.";

const SUPPORT_PERSONA_V2 = "You are Ava, Acme Corp's customer support assistant. Be warm, brief and exact. Never invent order, account or policy facts.";

const SUPPORT_RULES_V1 = [
  "Rules:",
  "1. Answer only questions about Acme orders, products, shipping, returns, refunds, warranties and accounts.",
  "2. Base every policy statement on the policy document below; quote section numbers when you rely on one.",
  "3. If the account context does not contain the information you need, say so and ask one clarifying question.",
  "4. Never ask for or repeat full card numbers, passwords or one-time codes.",
  "5. Keep answers under 150 words unless the customer asks for detail.",
].join("\n");

const SUPPORT_RULES_V2 = [
  SUPPORT_RULES_V1,
  '6. Escalate to a human agent (say: "I\'m handing this to a colleague") when the customer mentions a chargeback, legal action, a safety hazard, or asks twice for a human.',
  "7. End with the next concrete step the customer should take.",
  // Pasted in again when rule 7 was added: the length audit's "repeated sentences" finding.
  "8. Never ask for or repeat full card numbers, passwords or one-time codes.",
].join("\n");

const POLICY_DOCUMENT = `<policy name="Acme Corp Customer Service Policy" version="2026.3" effective="2026-09-01">
1. Scope
1.1 This policy applies to every order placed on acme.example, in the Acme mobile app, or by phone with Acme Sales, and shipped to an address in the United States, Canada or the European Union.
1.2 Marketplace items sold and shipped by third-party sellers follow the seller's policy; Acme guarantees them under section 7 (A-to-Z guarantee) only.

2. Returns
2.1 Most items can be returned within 30 days of delivery for any reason. The return window for items delivered between November 1 and December 24 is extended until January 31 of the following year.
2.2 Items must be returned complete, with all accessories, manuals and original packaging. Items returned damaged by the customer or missing parts are refunded minus a restocking fee of up to 15%.
2.3 Non-returnable items: opened software and digital downloads, gift cards, printer ink and toner once the seal is broken, personal care devices once opened (electric toothbrushes, shavers, earbuds tips), and custom-configured computers.
2.4 Defective items can be returned within 90 days of delivery at no cost, including return shipping, regardless of packaging.
2.5 To start a return the customer opens Orders > Return or replace items. The prepaid label is emailed within 10 minutes. Drop-off locations are listed on the label.

3. Refunds
3.1 Refunds go to the original payment method. Card refunds are issued within 2 business days after the returned item is scanned at the warehouse; banks may take 3 to 10 business days to show the credit.
3.2 Orders paid with Acme store credit or gift cards are refunded as store credit.
3.3 Shipping fees are refunded only when the return is due to an Acme error (wrong, defective or damaged item) or when the whole order is returned within 14 days.
3.4 Price adjustments: if Acme lowers the price of an item within 14 days of delivery, the customer can request the difference once per item. Competitor price matching is not offered.
3.5 Refunds above USD 2,000 (or the equivalent) require a review by the Returns team and can take up to 5 business days longer.

4. Shipping and delivery
4.1 Standard shipping is free on orders over USD 35 and takes 3 to 5 business days. Express (1 to 2 business days) costs USD 12.99. Same-day delivery is available in selected metro areas for orders placed before 11:00 local time.
4.2 An order that has not arrived 3 business days after the latest estimated delivery date is considered lost. The customer can choose a free replacement or a full refund including shipping fees.
4.3 Packages marked delivered but not received: ask the customer to check with neighbours and the building's mail room, wait 36 hours, then open a lost-package claim. Acme replaces or refunds once per customer per 12 months without investigation; further claims go to the Loss Prevention team.
4.4 Address changes are possible until the order status is "Preparing for shipment". After that, the customer can request a carrier redirect, which is not guaranteed.

5. Warranty
5.1 Acme-branded products carry a 2-year limited warranty against manufacturing defects from the delivery date. Other brands carry the manufacturer's warranty; Acme helps the customer contact the manufacturer.
5.2 Warranty service is repair, replacement with the same or an equivalent model, or a refund at Acme's choice. Accidental damage, liquid damage and normal wear are not covered unless the customer bought Acme Protect.
5.3 Acme Protect plans cover accidental damage for 2 or 3 years, with a deductible of USD 29 for phones and tablets and USD 49 for laptops. Claims are filed at protect.acme.example.

6. Accounts and security
6.1 Support agents can never see full card numbers or passwords and will never ask for them, for one-time codes, or for remote access to a device.
6.2 To change the email address or phone number on an account, the customer must confirm the change from the current email address. If they have lost access, the Account Recovery team verifies identity within 2 business days.
6.3 Suspected account takeover: lock the account immediately (Settings > Security > Sign out everywhere), then escalate to the Trust & Safety team. Orders placed by an attacker are canceled and refunded in full.

7. A-to-Z guarantee
7.1 For marketplace items, if the seller does not resolve a problem within 2 business days, the customer can file an A-to-Z claim. Acme refunds up to USD 2,500 per order when the item never arrived, arrived materially different from its description, or a promised return refund was not paid.

8. Compensation and goodwill
8.1 Agents may offer goodwill credit of up to USD 20 per order for delays or service failures caused by Acme, once per order. Larger amounts need a team lead.
8.2 Never promise compensation for indirect losses (missed events, lost work, data loss).

9. Escalation
9.1 Escalate to a human agent for: chargebacks or payment disputes, legal threats or requests from authorities, product safety incidents (overheating, smoke, injury), harassment, and any customer who asks for a human twice.
9.2 Product safety incidents: tell the customer to stop using the product and unplug it if safe to do so, then escalate with priority "urgent".

10. Privacy
10.1 Customers can download or delete their personal data from Settings > Privacy. Deletion completes within 30 days; open orders and legally required records are kept.
10.2 Never disclose information about an order to anyone other than the account holder, even if they know the order number.
</policy>`;

const SUPPORT_MESSAGES: Message[] = [
  {
    role: "user",
    content: [{ type: "text", text: "<account_context>\n{{account_context}}\n</account_context>\n\nCustomer message:\n{{question}}" }],
  },
];

const SUPPORT_VARIABLES_V1 = {
  question: { type: "string", required: true, description: "The customer's message, verbatim" },
  account_context: {
    type: "string",
    required: false,
    default: "No account context available.",
    description: "Order and account facts looked up by the app (orders, status, tier)",
  },
};

const SUPPORT_VARIABLES_V2 = {
  ...SUPPORT_VARIABLES_V1,
  customer_tier: {
    type: "enum",
    required: false,
    values: ["standard", "plus", "business"],
    default: "standard",
    description: "Membership tier; Plus and Business customers get free express replacements",
  },
};

const SUPPORT_MESSAGES_V2: Message[] = [
  {
    role: "user",
    content: [
      {
        type: "text",
        text: '<account_context tier="{{customer_tier}}">\n{{account_context}}\n</account_context>\n\nCustomer message:\n{{question}}',
      },
    ],
  },
];

const SUPPORT_POLICY = { max_retries: 4, timeout_ms: 60_000, deadline_ms: 120_000, fallback_model: "claude-haiku-5-5" };

const INVOICE_SCHEMA_V1 = {
  type: "object",
  additionalProperties: false,
  required: ["vendor", "invoice_number", "issue_date", "currency", "total", "line_items"],
  properties: {
    vendor: { type: "string", description: "Legal name of the seller" },
    invoice_number: { type: "string" },
    issue_date: { type: "string", format: "date" },
    due_date: { type: ["string", "null"], format: "date" },
    currency: { type: "string", pattern: "^[A-Z]{3}$" },
    total: { type: "number" },
    line_items: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["description", "quantity", "unit_price", "amount"],
        properties: {
          description: { type: "string" },
          quantity: { type: "number" },
          unit_price: { type: "number" },
          amount: { type: "number" },
        },
      },
    },
  },
};

const INVOICE_SCHEMA_V2 = {
  type: "object",
  additionalProperties: false,
  required: ["vendor", "invoice_number", "issue_date", "currency", "subtotal_minor", "tax_minor", "total_minor", "line_items"],
  properties: {
    vendor: { type: "string", description: "Legal name of the seller" },
    vendor_tax_id: { type: ["string", "null"], description: "VAT / EIN as printed, or null" },
    invoice_number: { type: "string" },
    issue_date: { type: "string", format: "date" },
    due_date: { type: ["string", "null"], format: "date" },
    currency: { type: "string", pattern: "^[A-Z]{3}$" },
    subtotal_minor: { type: "integer", description: "Amounts in minor units (cents)" },
    tax_minor: { type: "integer" },
    total_minor: { type: "integer" },
    line_items: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["description", "quantity", "unit_price_minor", "amount_minor"],
        properties: {
          description: { type: "string" },
          quantity: { type: "number" },
          unit_price_minor: { type: "integer" },
          tax_rate_pct: { type: ["number", "null"] },
          amount_minor: { type: "integer" },
        },
      },
    },
  },
};

const INVOICE_SYSTEM_V1: SystemBlock[] = [
  {
    type: "text",
    role: "instructions",
    text:
      "Extract the invoice fields from the document the user provides. Return only a JSON object that matches the schema. " +
      "Use ISO 8601 dates (YYYY-MM-DD) and ISO 4217 currency codes. If a field is missing from the document, use null where " +
      "the schema allows it; never guess amounts.",
  },
];

const INVOICE_SYSTEM_V2: SystemBlock[] = [
  {
    type: "text",
    role: "instructions",
    text:
      "Extract the invoice fields from the document the user provides. Return only a JSON object that matches the schema. " +
      "Use ISO 8601 dates (YYYY-MM-DD) and ISO 4217 currency codes. Write every amount as an integer in minor units " +
      "(USD 12.50 is 1250; JPY has no minor unit). If a field is missing, use null where the schema allows it; never guess " +
      'amounts. If the document is not an invoice, return the schema with empty strings and zero amounts and put "NOT_AN_INVOICE" in invoice_number.',
  },
  {
    type: "text",
    role: "examples",
    text:
      '<example>\nInput: "Invoice #A-1009 from Northwind Traders LLC, 2026-10-02, 3 x USB-C dock @ $89.00, tax 8% ($21.36), total $288.36"\n' +
      'Output: {"vendor":"Northwind Traders LLC","vendor_tax_id":null,"invoice_number":"A-1009","issue_date":"2026-10-02",' +
      '"due_date":null,"currency":"USD","subtotal_minor":26700,"tax_minor":2136,"total_minor":28836,"line_items":[{' +
      '"description":"USB-C dock","quantity":3,"unit_price_minor":8900,"tax_rate_pct":8,"amount_minor":26700}]}\n</example>',
  },
];

// 1.1.0 and 1.2.0: the first instructions plus what to do with a document that is not an invoice.
const INVOICE_SYSTEM_V1_1: SystemBlock[] = [
  INVOICE_SYSTEM_V1[0] as SystemBlock,
  {
    type: "text",
    role: "other",
    text: 'If the document is not an invoice, put "NOT_AN_INVOICE" in invoice_number and zero amounts.',
  },
];

const INVOICE_MESSAGES: Message[] = [
  {
    role: "user",
    content: [{ type: "text", text: "Currency if none is printed: {{default_currency}}\n\n<document>\n{{invoice_text}}\n</document>" }],
  },
];

const INVOICE_VARIABLES = {
  invoice_text: { type: "string", required: true, description: "OCR text of the invoice" },
  default_currency: { type: "string", required: false, default: "USD", description: "ISO 4217 code used when none is printed" },
};

const CATEGORIES = ["billing", "shipping", "returns", "technical", "account", "other"];

const CLASSIFIER_SYSTEM = (withUrgency: boolean, typoFixed: boolean, firstRequest = false): SystemBlock[] => [
  {
    type: "text",
    role: "instructions",
    text: [
      `Classify the support ticket into exactly one category${withUrgency ? " and one urgency level" : ""}.`,
      "Categories:",
      "- billing: charges, invoices, payment methods, refunds not tied to a return",
      "- shipping: delivery times, tracking, lost or damaged packages",
      "- returns: return requests, return labels, refunds after a return",
      `- technical: product setup, defects, ${typoFixed ? "troubleshooting" : "troubleshoting"}`,
      "- account: sign-in, security, personal data, email changes",
      "- other: anything else",
      ...(withUrgency
        ? [
            "Urgency: high for safety issues, account takeover or a customer who cannot use a product they need today; low for general questions; otherwise normal.",
          ]
        : []),
      ...(firstRequest ? ["When a ticket raises several issues, choose the category of the customer's first request."] : []),
      "Answer with the JSON object only.",
    ].join("\n"),
  },
];

// The draft: the same categories in one line each, fewer words (what an eval should vet).
const CLASSIFIER_SYSTEM_SHORT: SystemBlock[] = [
  {
    type: "text",
    role: "instructions",
    text: [
      "Pick one category and one urgency for the ticket.",
      "Categories: billing, shipping, returns, technical, account, other.",
      "Urgency: high (safety, account takeover, blocked today), low (general questions), else normal.",
      "Answer with the JSON object only.",
    ].join("\n"),
  },
];

const CLASSIFIER_SCHEMA = (withUrgency: boolean) => ({
  type: "object",
  additionalProperties: false,
  required: withUrgency ? ["category", "urgency"] : ["category"],
  properties: {
    category: { type: "string", enum: CATEGORIES },
    ...(withUrgency ? { urgency: { type: "string", enum: ["low", "normal", "high"] } } : {}),
  },
});

const CLASSIFIER_MESSAGES: Message[] = [{ role: "user", content: [{ type: "text", text: "Channel: {{channel}}\n\nTicket:\n{{ticket}}" }] }];

const CLASSIFIER_VARIABLES = {
  ticket: { type: "string", required: true, description: "Subject and body of the ticket" },
  channel: { type: "enum", required: false, values: ["email", "chat", "phone"], default: "email" },
};

// The rubric prompt an LLM-as-judge evaluator runs (lib/evals): it gets the item's variables
// (input), the output under test and the expected answer, and answers JSON { score, reason }.
const JUDGE_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["score", "reason"],
  properties: {
    score: { type: "number", minimum: 0, maximum: 1 },
    reason: { type: "string", minLength: 1 },
  },
};

const JUDGE_SYSTEM: SystemBlock[] = [
  {
    type: "text",
    role: "instructions",
    text: [
      "You grade the answer of a support-ticket classifier.",
      "Score 1 when the category (and urgency, if present) is what a careful support lead would choose for the ticket; 0.5 when it is defensible but not the best choice; 0 when it is wrong.",
      "When an expected answer is given, treat it as the reference, but judge the ticket itself when the reference looks mistaken.",
      'Answer with a JSON object only: {"score": <number from 0 to 1>, "reason": "<one sentence naming what is right or wrong>"}.',
    ].join("\n"),
  },
];

const JUDGE_MESSAGES: Message[] = [
  {
    role: "user",
    content: [
      { type: "text", text: "Ticket and its variables:\n{{input}}\n\nClassifier answer:\n{{output}}\n\nExpected answer (may be empty):\n{{expected}}" },
    ],
  },
];

const JUDGE_VARIABLES = {
  input: { type: "string", required: true, description: "The item's variables as JSON" },
  output: { type: "string", required: true, description: "The output being graded" },
  expected: { type: "string", required: false, default: "", description: "The expected output, if the item has one" },
};

const supportSystem = (persona: string, rules: string, cached: boolean): SystemBlock[] => [
  { type: "text", role: "persona", text: persona },
  { type: "text", role: "instructions", text: rules },
  {
    type: "text",
    role: "reference",
    text: POLICY_DOCUMENT,
    ...(cached ? { cache_control: { type: "ephemeral" as const, ttl: "1h" as const } } : {}),
  },
];

/** The demo's completed experiment (support-assistant 1.1.0 vs 1.2.0, promoted 6 days ago). */
export const ESCALATION_EXPERIMENT = "Escalation rule and next step";
/** The demo's running experiment (ticket-classifier 1.1.0 vs 1.1.1). */
export const MIXED_TICKETS_EXPERIMENT = "Mixed tickets: first request wins";

export const DEMO_PROMPTS: SeedPrompt[] = [
  {
    name: "support-policy",
    kind: "SNIPPET",
    description: "The customer service policy, shared by the support prompts ({{> support-policy@production}}).",
    tags: ["support", "policy"],
    versions: [
      {
        version: [1, 0, 0],
        status: "PUBLISHED",
        changelog: "The 2026.3 customer service policy as one shared block.",
        daysAgo: 20,
        system: [],
        messages: [{ role: "user", content: [{ type: "text", text: POLICY_DOCUMENT }] }],
        variables: {},
        modelConfig: { model: "claude-sonnet-5-5", max_tokens: 1024 },
        outputSchema: { format: "text" },
        policy: {},
      },
    ],
    labels: [{ name: "production", protected: true, history: [{ version: "1.0.0", daysAgo: 20 }] }],
  },
  {
    name: "support-email-reply",
    description: "Drafts the reply to a support email: the shared policy snippet, and an order section only when the email names an order.",
    tags: ["support", "email"],
    versions: [
      {
        version: [1, 0, 0],
        status: "PUBLISHED",
        changelog: "First version: policy from the support-policy snippet; order details only when order_id is given.",
        daysAgo: 8,
        system: [
          { type: "text", role: "persona", text: SUPPORT_PERSONA_V2 },
          { type: "text", role: "reference", text: "{{> support-policy@production}}", cache_control: { type: "ephemeral", ttl: "1h" } },
        ],
        messages: [
          {
            role: "user",
            content: [
              {
                type: "text",
                text: [
                  "Write the reply to this customer email. Sign it as Ava from Acme Support.",
                  "{{#order_id}}",
                  "The email is about order {{order_id}}: look it up before promising anything.",
                  "{{/order_id}}",
                  "{{^order_id}}",
                  "The email names no order: ask for the order number if the request needs one.",
                  "{{/order_id}}",
                  "<email>",
                  "{{email}}",
                  "</email>",
                ].join("\n"),
              },
            ],
          },
        ],
        variables: {
          email: { type: "string", required: true, description: "The customer's email, as received" },
          order_id: { type: "string", required: false, description: "The order the email is about, when known" },
        },
        modelConfig: { model: "claude-sonnet-5-5", max_tokens: 1024 },
        outputSchema: { format: "text" },
        policy: { max_retries: 2 },
      },
    ],
    labels: [{ name: "production", protected: true, history: [{ version: "1.0.0", daysAgo: 8 }] }],
  },
  {
    name: "support-assistant",
    description: "Answers customer questions in the help-center chat, grounded in the customer service policy.",
    tags: ["support", "chat", "customer-facing"],
    versions: [
      {
        version: [1, 0, 0],
        status: "PUBLISHED",
        changelog: "First version: persona, rules and the full policy document.",
        daysAgo: 41,
        system: supportSystem(SUPPORT_PERSONA_V1, SUPPORT_RULES_V1, false),
        messages: SUPPORT_MESSAGES,
        variables: SUPPORT_VARIABLES_V1,
        modelConfig: { model: "claude-sonnet-5", max_tokens: 1024 },
        outputSchema: { format: "text" },
        policy: { max_retries: 2, timeout_ms: 60_000 },
      },
      {
        version: [1, 1, 0],
        status: "PUBLISHED",
        changelog: "Cache the policy document for 1h (cache_control on the reference block); move to Sonnet 5.5; fallback to Haiku 5.5.",
        daysAgo: 27,
        system: supportSystem(SUPPORT_PERSONA_V1, SUPPORT_RULES_V1, true),
        messages: SUPPORT_MESSAGES,
        variables: SUPPORT_VARIABLES_V1,
        modelConfig: { model: "claude-sonnet-5-5", max_tokens: 1024 },
        outputSchema: { format: "text" },
        policy: SUPPORT_POLICY,
      },
      {
        version: [1, 2, 0],
        status: "PUBLISHED",
        changelog: "Shorter persona; explicit escalation rule and next-step ending; new optional customer_tier variable.",
        daysAgo: 10.6,
        system: supportSystem(SUPPORT_PERSONA_V2, SUPPORT_RULES_V2, true),
        messages: SUPPORT_MESSAGES_V2,
        variables: SUPPORT_VARIABLES_V2,
        modelConfig: { model: "claude-sonnet-5-5", max_tokens: 1024, effort: "medium" },
        outputSchema: { format: "text" },
        policy: SUPPORT_POLICY,
      },
      {
        version: [1, 3, 0],
        status: "DRAFT",
        changelog: "Try effort high for multi-order questions; the policy now comes from the shared support-policy snippet.",
        daysAgo: 1,
        system: [
          ...supportSystem(SUPPORT_PERSONA_V2, SUPPORT_RULES_V2, true).slice(0, 2),
          { type: "text", role: "reference", text: "{{> support-policy@production}}", cache_control: { type: "ephemeral", ttl: "1h" } },
        ],
        messages: SUPPORT_MESSAGES_V2,
        variables: SUPPORT_VARIABLES_V2,
        modelConfig: { model: "claude-sonnet-5-5", max_tokens: 1536, effort: "high" },
        outputSchema: { format: "text" },
        policy: SUPPORT_POLICY,
      },
    ],
    labels: [
      {
        name: "production",
        protected: true,
        history: [
          { version: "1.0.0", daysAgo: 40 },
          { version: "1.1.0", daysAgo: 26, reason: "Policy caching verified on staging: input cost down 70%" },
          // The experiment's promotion (see DEMO_EXPERIMENTS): seeded as promoteExperiment records it.
          { version: "1.2.0", daysAgo: 6, reason: `promoted from experiment ${ESCALATION_EXPERIMENT}` },
        ],
      },
      {
        name: "staging",
        protected: false,
        history: [
          { version: "1.0.0", daysAgo: 41 },
          { version: "1.1.0", daysAgo: 27 },
          { version: "1.2.0", daysAgo: 10.5 },
        ],
      },
    ],
  },
  {
    name: "invoice-extractor",
    description: "Turns OCR text of supplier invoices into structured JSON for the accounts-payable pipeline.",
    tags: ["extraction", "finance", "json"],
    versions: [
      {
        version: [1, 0, 0],
        status: "PUBLISHED",
        changelog: "First version: vendor, number, dates, currency, total and line items.",
        daysAgo: 34,
        system: INVOICE_SYSTEM_V1,
        messages: INVOICE_MESSAGES,
        variables: INVOICE_VARIABLES,
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 2048 },
        outputSchema: { format: "json", schema: INVOICE_SCHEMA_V1 },
        policy: { max_retries: 3, timeout_ms: 30_000, deadline_ms: 90_000 },
      },
      {
        version: [1, 1, 0],
        status: "PUBLISHED",
        changelog: "Add an example; document what to return for documents that are not invoices.",
        daysAgo: 20,
        system: INVOICE_SYSTEM_V1_1,
        messages: INVOICE_MESSAGES,
        variables: INVOICE_VARIABLES,
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 2048 },
        outputSchema: { format: "json", schema: INVOICE_SCHEMA_V1 },
        policy: { max_retries: 3, timeout_ms: 30_000, deadline_ms: 90_000 },
      },
      {
        version: [1, 2, 0],
        status: "PUBLISHED",
        changelog: "Sonnet 5.5 with effort medium for long multi-page invoices.",
        daysAgo: 16,
        system: INVOICE_SYSTEM_V1_1,
        messages: INVOICE_MESSAGES,
        variables: INVOICE_VARIABLES,
        modelConfig: { model: "claude-sonnet-5-5", max_tokens: 2048, effort: "medium" },
        outputSchema: { format: "json", schema: INVOICE_SCHEMA_V1 },
        policy: { max_retries: 3, timeout_ms: 30_000, deadline_ms: 90_000 },
      },
      {
        version: [2, 0, 0],
        status: "PUBLISHED",
        changelog: "Breaking: amounts are integers in minor units (subtotal_minor, tax_minor, total_minor); adds vendor_tax_id and per-line tax rate.",
        daysAgo: 4,
        system: INVOICE_SYSTEM_V2,
        messages: INVOICE_MESSAGES,
        variables: INVOICE_VARIABLES,
        modelConfig: { model: "claude-sonnet-5-5", max_tokens: 4096, effort: "low" },
        outputSchema: { format: "json", schema: INVOICE_SCHEMA_V2 },
        policy: { max_retries: 3, timeout_ms: 45_000, deadline_ms: 120_000, fallback_model: "claude-haiku-5-5" },
      },
    ],
    labels: [
      {
        name: "production",
        protected: true,
        history: [
          { version: "1.0.0", daysAgo: 33 },
          { version: "1.1.0", daysAgo: 18 },
          { version: "1.2.0", daysAgo: 14, reason: "Better line items on multi-page invoices (staging eval)" },
          // The latency regression and its rollback: the traffic seed makes 1.2.0 slow.
          { version: "1.1.0", daysAgo: 12.8, reason: "Rollback: p95 latency tripled on 1.2.0, over the AP pipeline's 5 s budget" },
        ],
      },
      {
        name: "staging",
        protected: false,
        history: [
          { version: "1.1.0", daysAgo: 20 },
          { version: "1.2.0", daysAgo: 16 },
          { version: "2.0.0", daysAgo: 4, reason: "AP pipeline v2 reads minor units" },
        ],
      },
    ],
  },
  {
    name: "ticket-classifier",
    description: "Routes incoming support tickets to a queue by category and urgency.",
    tags: ["support", "classification", "routing"],
    versions: [
      {
        version: [1, 0, 0],
        status: "PUBLISHED",
        changelog: "First version: six categories.",
        daysAgo: 30,
        system: CLASSIFIER_SYSTEM(false, false),
        messages: CLASSIFIER_MESSAGES,
        variables: CLASSIFIER_VARIABLES,
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 64, effort: "low" },
        outputSchema: { format: "json", schema: CLASSIFIER_SCHEMA(false) },
        policy: { max_retries: 4, timeout_ms: 10_000, deadline_ms: 20_000 },
      },
      {
        version: [1, 0, 1],
        status: "PUBLISHED",
        changelog: "Fix a typo in the technical category description.",
        daysAgo: 29,
        system: CLASSIFIER_SYSTEM(false, true),
        messages: CLASSIFIER_MESSAGES,
        variables: CLASSIFIER_VARIABLES,
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 64, effort: "low" },
        outputSchema: { format: "json", schema: CLASSIFIER_SCHEMA(false) },
        policy: { max_retries: 4, timeout_ms: 10_000, deadline_ms: 20_000 },
      },
      {
        version: [1, 1, 0],
        status: "PUBLISHED",
        changelog: "Add urgency (low, normal, high) to the output.",
        daysAgo: 12,
        system: CLASSIFIER_SYSTEM(true, true),
        messages: CLASSIFIER_MESSAGES,
        variables: CLASSIFIER_VARIABLES,
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 64, effort: "low" },
        outputSchema: { format: "json", schema: CLASSIFIER_SCHEMA(true) },
        policy: { max_retries: 4, timeout_ms: 10_000, deadline_ms: 20_000 },
      },
      {
        version: [1, 1, 1],
        status: "PUBLISHED",
        changelog: "Mixed tickets: pick the category of the customer's first request.",
        daysAgo: 4.6,
        system: CLASSIFIER_SYSTEM(true, true, true),
        messages: CLASSIFIER_MESSAGES,
        variables: CLASSIFIER_VARIABLES,
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 64, effort: "low" },
        outputSchema: { format: "json", schema: CLASSIFIER_SCHEMA(true) },
        policy: { max_retries: 4, timeout_ms: 10_000, deadline_ms: 20_000 },
      },
      {
        // Older than the invoice extractor's newest version, so the prompt list keeps its order.
        version: [1, 2, 0],
        status: "DRAFT",
        changelog: "Shorter instructions and a 48-token output budget to lower cost.",
        daysAgo: 5,
        system: CLASSIFIER_SYSTEM_SHORT,
        messages: CLASSIFIER_MESSAGES,
        variables: CLASSIFIER_VARIABLES,
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 48, effort: "low" },
        outputSchema: { format: "json", schema: CLASSIFIER_SCHEMA(true) },
        policy: { max_retries: 4, timeout_ms: 10_000, deadline_ms: 20_000 },
      },
    ],
    labels: [
      {
        name: "production",
        protected: true,
        history: [
          { version: "1.0.0", daysAgo: 30 },
          { version: "1.0.1", daysAgo: 29 },
          { version: "1.1.0", daysAgo: 11 },
        ],
      },
      { name: "staging", protected: false, history: [{ version: "1.1.0", daysAgo: 12 }] },
    ],
  },
  {
    name: "ticket-judge",
    description: "Rubric for evaluations: grades a ticket classifier's answer and says why (LLM-as-judge).",
    tags: ["evals", "judge"],
    versions: [
      {
        version: [1, 0, 0],
        status: "PUBLISHED",
        changelog: "First rubric: score 0, 0.5 or 1 with a one-sentence reason.",
        daysAgo: 15,
        system: JUDGE_SYSTEM,
        messages: JUDGE_MESSAGES,
        variables: JUDGE_VARIABLES,
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 200, effort: "low" },
        outputSchema: { format: "json", schema: JUDGE_SCHEMA },
        policy: { max_retries: 2, timeout_ms: 20_000 },
      },
    ],
    labels: [{ name: "production", protected: true, history: [{ version: "1.0.0", daysAgo: 15 }] }],
  },
  {
    // Tools and chat history (issue 15): two tools versioned with the prompt, the conversation so far.
    name: "support-agent",
    description: "Support agent that looks orders up and issues refunds through tools, continuing the conversation so far.",
    tags: ["support", "tools", "chat"],
    versions: [
      {
        version: [1, 0, 0],
        status: "PUBLISHED",
        changelog: "First version: lookup_order and issue_refund tools, chat history cached at its last message.",
        daysAgo: 3,
        system: supportAgentToolsContent.system as SystemBlock[],
        messages: supportAgentToolsContent.messages as Message[],
        variables: supportAgentToolsContent.variables,
        modelConfig: supportAgentToolsContent.modelConfig,
        outputSchema: supportAgentToolsContent.outputSchema,
        policy: { max_retries: 3, timeout_ms: 30_000 },
      },
    ],
    labels: [{ name: "production", protected: true, history: [{ version: "1.0.0", daysAgo: 3 }] }],
  },
  {
    name: "chat-companion",
    description: "A general chat assistant: the conversation so far, then the user's new message.",
    tags: ["chat"],
    versions: [
      {
        version: [1, 0, 0],
        status: "PUBLISHED",
        changelog: "First version: chat history before the new message, with a cache breakpoint on its last message.",
        daysAgo: 2,
        system: [{ type: "text", role: "persona", text: "You are a friendly, concise assistant. Keep answers under 120 words unless asked for more." }],
        messages: [{ role: "user", content: [{ type: "text", text: "{{message}}" }] }],
        variables: {
          conversation: { type: "messages", required: false, description: "Earlier turns of this chat", position: 0, cache_control: { type: "ephemeral" } },
          message: { type: "string", required: true, description: "The user's new message" },
        },
        modelConfig: { model: "claude-haiku-5-5", max_tokens: 512 },
        outputSchema: { format: "text" },
        policy: {},
      },
    ],
    labels: [{ name: "production", protected: true, history: [{ version: "1.0.0", daysAgo: 2 }] }],
  },
  {
    name: "task-router",
    description:
      "One prompt for several kinds of task, with model routing: simple classification goes to Haiku, standard generation to Sonnet, complex reasoning to Opus.",
    tags: ["routing"],
    versions: [
      {
        version: [1, 0, 0],
        status: "PUBLISHED",
        changelog: "First version: model routing by task type (classification -> Haiku, generation -> Sonnet, reasoning and long inputs -> Opus).",
        daysAgo: 1,
        system: [
          {
            type: "text",
            role: "instructions",
            text: "You are Acme's assistant for internal {{task_type}} tasks. Be accurate and brief; say so when the input is not enough.",
          },
        ],
        messages: [{ role: "user", content: [{ type: "text", text: "{{input}}" }] }],
        variables: {
          task_type: { type: "enum", required: true, values: ["classification", "generation", "reasoning"], description: "What kind of task this is" },
          input: { type: "string", required: true, description: "The text to work on" },
        },
        modelConfig: {
          model: "claude-sonnet-5-5",
          max_tokens: 1024,
          routing: {
            rules: [
              {
                name: "simple-classification",
                when: [{ signal: "variable", name: "task_type", op: "equals", value: "classification" }],
                model: "claude-haiku-5-5",
              },
              { name: "complex-reasoning", when: [{ signal: "variable", name: "task_type", op: "equals", value: "reasoning" }], model: "claude-opus-5-5" },
              { name: "long-input", when: [{ signal: "input_tokens", op: ">", value: 20000 }], model: "claude-opus-5-5" },
            ],
          },
        },
        outputSchema: { format: "text" },
        policy: {},
      },
    ],
    labels: [{ name: "production", protected: true, history: [{ version: "1.0.0", daysAgo: 1 }] }],
  },
];

interface SeedExperiment {
  /** Fixed, so sticky assignment (a hash of experiment id and subject) and the demo are deterministic. */
  id: string;
  prompt: string;
  label: string;
  name: string;
  hypothesis: string;
  primaryMetric: MetricKey;
  design: { mdeRate: number; mdeRelative: number };
  variants: Array<{ version: string; weight: number }>;
  createdDaysAgo: number;
  startedDaysAgo: number;
  /** Promoted (COMPLETED, label moved: the label history has the move) this many days ago; null while running. */
  promotedDaysAgo: number | null;
  /** The variant the statistics must name the winner (checked on the seeded calls before it is recorded). */
  winner?: string;
}

export const DEMO_EXPERIMENTS: SeedExperiment[] = [
  {
    id: "cdemoexperiment0escalation",
    prompt: "support-assistant",
    label: "production",
    name: ESCALATION_EXPERIMENT,
    hypothesis: "The explicit escalation rule and a next-step ending make more answers correct in the support leads' review, at no extra cost.",
    primaryMetric: "accuracy",
    design: { mdeRate: 0.1, mdeRelative: DEFAULT_MDE.mdeRelative },
    variants: [
      { version: "1.1.0", weight: 50 },
      { version: "1.2.0", weight: 50 },
    ],
    createdDaysAgo: 10.4,
    startedDaysAgo: 10.3,
    promotedDaysAgo: 6,
    winner: "B",
  },
  {
    id: "cdemoexperiment0mixedtickets",
    prompt: "ticket-classifier",
    label: "production",
    name: MIXED_TICKETS_EXPERIMENT,
    hypothesis: "Routing a ticket by the customer's first request sends more mixed tickets to the right queue.",
    primaryMetric: "accuracy",
    design: { ...DEFAULT_MDE },
    variants: [
      { version: "1.1.0", weight: 50 },
      { version: "1.1.1", weight: 50 },
    ],
    createdDaysAgo: 4.5,
    startedDaysAgo: 4.4,
    promotedDaysAgo: null,
  },
];

// ------------------------------------------------------------------------------------ seeding

const DAY_MS = 24 * 60 * 60 * 1000;

/** The demo API key: PROMPTDECK_DEMO_API_KEY when set, else the documented default. */
export function demoApiKey(): string {
  return getEnv().PROMPTDECK_DEMO_API_KEY ?? DEFAULT_DEMO_API_KEY;
}

function credentials(): DemoCredentials {
  return {
    adminEmail: DEMO_ADMIN_EMAIL,
    viewerEmail: DEMO_VIEWER_EMAIL,
    password: DEMO_PASSWORD,
    apiKey: demoApiKey(),
    projectSlug: DEMO_PROJECT_SLUG,
  };
}

const json = (value: unknown): Prisma.InputJsonValue => value as Prisma.InputJsonValue;

/** Fills ModelPrice from the seed catalog; existing rows (possibly edited by admins) are kept. */
export async function seedModelPrices(db: Prisma.TransactionClient | PrismaClient): Promise<number> {
  const result = await db.modelPrice.createMany({
    data: SEED_MODEL_CATALOG.map((m) => ({
      model: m.model,
      displayName: m.displayName,
      family: m.family,
      tier: m.tier,
      contextWindow: m.contextWindow,
      maxOutputTokens: m.maxOutputTokens,
      minCacheableTokens: m.minCacheableTokens,
      inputPerMTok: BigInt(m.inputPerMTok),
      cacheWrite5mPerMTok: BigInt(m.cacheWrite5mPerMTok),
      cacheWrite1hPerMTok: BigInt(m.cacheWrite1hPerMTok),
      cacheReadPerMTok: BigInt(m.cacheReadPerMTok),
      outputPerMTok: BigInt(m.outputPerMTok),
      batchDiscountPct: m.batchDiscountPct,
      deprecated: m.deprecated,
      retiresAt: m.retiresAt ? new Date(m.retiresAt) : null,
    })),
    skipDuplicates: true,
  });
  return result.count;
}

/**
 * Seeds the demo project, users, API key, prompts (versions, labels, label events), dataset,
 * experiments and the model price table in one transaction, then 30 days of calls
 * (`seedDemoHistory`; `traffic: false` leaves them out). Idempotent: when the demo admin already
 * exists it only finishes an interrupted traffic seed and returns the credentials.
 */
export async function seedDemo(db: PrismaClient = getDb(), options: { traffic?: boolean } = {}): Promise<DemoCredentials> {
  const creds = credentials();
  const traffic = options.traffic ?? true;
  if (await db.user.findUnique({ where: { email: DEMO_ADMIN_EMAIL }, select: { id: true } })) {
    // A seed interrupted after its first transaction finishes its traffic now; otherwise nothing.
    if (traffic) await seedDemoHistory(db);
    return creds;
  }

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const now = Date.now();
  const ago = (days: number, minutes = 0) => new Date(now - days * DAY_MS - minutes * 60_000);

  await db.$transaction(
    async (tx) => {
      await seedModelPrices(tx);
      const admin = await tx.user.create({
        data: { email: DEMO_ADMIN_EMAIL, name: "Dana Demo", passwordHash, createdAt: ago(45) },
      });
      const viewer = await tx.user.create({
        data: { email: DEMO_VIEWER_EMAIL, name: "Victor Viewer", passwordHash, createdAt: ago(30) },
      });
      const project = await tx.project.create({
        data: {
          slug: DEMO_PROJECT_SLUG,
          name: DEMO_PROJECT_NAME,
          createdAt: ago(45),
          settings: json({ runner: { max_retries: 4, timeout_ms: 60_000 }, calls: { store_bodies: true } }),
        },
      });
      await tx.membership.createMany({
        data: [
          { userId: admin.id, projectId: project.id, role: "ADMIN", createdAt: ago(45) },
          { userId: viewer.id, projectId: project.id, role: "VIEWER", createdAt: ago(30) },
        ],
      });
      await tx.apiKey.create({
        data: {
          projectId: project.id,
          name: "Demo key (all scopes)",
          prefix: apiKeyDisplayPrefix(creds.apiKey),
          hash: hashApiKey(creds.apiKey),
          scopes: [...API_KEY_SCOPES],
          createdById: admin.id,
          createdAt: ago(44),
        },
      });

      const seededPrompts = new Map<string, { id: string; versionIds: Map<string, string> }>();
      for (const seed of DEMO_PROMPTS) {
        const oldest = Math.max(...seed.versions.map((v) => v.daysAgo));
        const prompt = await tx.prompt.create({
          data: {
            projectId: project.id,
            name: seed.name,
            description: seed.description,
            tags: seed.tags,
            kind: seed.kind ?? "PROMPT",
            createdAt: ago(oldest, 5),
          },
        });
        const versionIds = new Map<string, string>();
        for (const v of seed.versions) {
          // The draft does not own a version number until it is published (see DRAFT_MAJOR).
          const [major, minor, patch] = v.status === "DRAFT" ? [DRAFT_MAJOR, 0, 0] : v.version;
          const content = {
            system: v.system,
            messages: v.messages,
            variables: v.variables,
            modelConfig: v.modelConfig,
            outputSchema: v.outputSchema,
            policy: v.policy,
          };
          // A published version pins its includes as publishDraft does (the snippets are seeded first).
          const pins = v.status === "PUBLISHED" ? await resolveVersionIncludes(project.id, seed.name, content as unknown as PromptVersionContent, tx) : null;
          if (pins && pins.issues.length > 0) throw new Error(`seed: ${seed.name} ${v.version.join(".")}: ${pins.issues.map((i) => i.message).join("; ")}`);
          const snippets = pins?.pins ?? [];
          const created = await tx.promptVersion.create({
            data: {
              promptId: prompt.id,
              major,
              minor,
              patch,
              status: v.status,
              system: json(v.system),
              messages: json(v.messages),
              variables: json(v.variables),
              modelConfig: json(v.modelConfig),
              outputSchema: json(v.outputSchema),
              policy: json(v.policy),
              snippetPins: json(snippets),
              changelog: v.changelog,
              contentHash: hashVersionContent({ ...content, snippets }),
              authorId: admin.id,
              createdAt: ago(v.daysAgo, 30),
              updatedAt: ago(v.daysAgo),
              publishedAt: v.status === "PUBLISHED" ? ago(v.daysAgo) : null,
            },
          });
          versionIds.set(`${major}.${minor}.${patch}`, created.id);
        }
        seededPrompts.set(seed.name, { id: prompt.id, versionIds });
        for (const label of seed.labels) {
          const last = label.history[label.history.length - 1];
          const lastId = last ? versionIds.get(last.version) : undefined;
          if (!last || !lastId) throw new Error(`seed: label ${seed.name}/${label.name} points at an unknown version`);
          const first = label.history[0] ?? last;
          const created = await tx.label.create({
            data: {
              promptId: prompt.id,
              name: label.name,
              versionId: lastId,
              protected: label.protected,
              createdAt: ago(first.daysAgo),
            },
          });
          let from: string | null = null;
          for (const step of label.history) {
            const to = versionIds.get(step.version);
            if (!to) throw new Error(`seed: label ${seed.name}/${label.name} moves to unknown version ${step.version}`);
            await tx.labelEvent.create({
              data: { labelId: created.id, fromVersionId: from, toVersionId: to, actorId: admin.id, reason: step.reason ?? null, at: ago(step.daysAgo) },
            });
            from = to;
          }
          // Label.updatedAt is @updatedAt; set it to the last move so "updated" reads truthfully.
          await tx.label.update({ where: { id: created.id }, data: { updatedAt: ago(last.daysAgo) } });
        }
        const newest = Math.min(...seed.versions.map((v) => v.daysAgo));
        await tx.prompt.update({ where: { id: prompt.id }, data: { updatedAt: ago(newest) } });
      }

      await seedDemoDatasets(tx, project.id, admin.id, ago);
      await seedDemoExperiments(tx, project.id, admin.id, seededPrompts, ago);

      await tx.auditEvent.create({
        data: {
          projectId: project.id,
          actorId: admin.id,
          action: "project.create",
          targetType: "project",
          targetId: project.id,
          after: json({ name: DEMO_PROJECT_NAME, slug: DEMO_PROJECT_SLUG, via: "demo-seed" }),
          at: ago(45),
        },
      });
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  if (traffic) await seedDemoHistory(db);
  return creds;
}

// ------------------------------------------------------------------------------------ experiments

/**
 * The demo experiments as `createExperiment` and `transitionExperiment` leave them (design with
 * the planned sample and the bucket allocation from `newExperimentDesign`, audit events), dated in
 * the past. A completed one is stored COMPLETED with its end; its winner and the
 * `experiment.promoted` event are recorded by `seedDemoHistory` once its calls are in and the
 * statistics name that winner. Its label move is in the label history (DEMO_PROMPTS).
 */
async function seedDemoExperiments(
  tx: Prisma.TransactionClient,
  projectId: string,
  adminId: string,
  prompts: Map<string, { id: string; versionIds: Map<string, string> }>,
  ago: (days: number, minutes?: number) => Date,
): Promise<void> {
  for (const e of DEMO_EXPERIMENTS) {
    const prompt = prompts.get(e.prompt);
    if (!prompt) throw new Error(`seed: experiment ${e.name} names an unknown prompt ${e.prompt}`);
    const variants = e.variants.map((v, i) => {
      const versionId = prompt.versionIds.get(v.version);
      if (!versionId) throw new Error(`seed: experiment ${e.name} names an unknown version ${v.version}`);
      const key = variantKeyFor(i);
      return { id: `${e.id.slice(0, 23)}${key.toLowerCase()}`, key, weight: v.weight, versionId };
    });
    const design = newExperimentDesign(e.primaryMetric, e.design, variants);
    const ended = e.promotedDaysAgo === null ? null : ago(e.promotedDaysAgo);
    await tx.experiment.create({
      data: {
        id: e.id,
        promptId: prompt.id,
        labelName: e.label,
        name: e.name,
        hypothesis: e.hypothesis,
        status: ended ? "COMPLETED" : "RUNNING",
        primaryMetric: e.primaryMetric,
        guardrails: json(DEFAULT_GUARDRAILS),
        design: json(design),
        createdAt: ago(e.createdDaysAgo),
        startedAt: ago(e.startedDaysAgo),
        endedAt: ended,
        variants: { create: variants },
      },
    });
    const audit = (action: string, at: Date, before: unknown, after: unknown) =>
      tx.auditEvent.create({
        data: { projectId, actorId: adminId, action, targetType: "experiment", targetId: e.id, before: json(before), after: json(after), at },
      });
    await audit("experiment.created", ago(e.createdDaysAgo), null, {
      name: e.name,
      prompt: e.prompt,
      label: e.label,
      variants: variants.map((v) => ({ key: v.key, weight: v.weight, versionId: v.versionId })),
    });
    await audit("experiment.started", ago(e.startedDaysAgo), { status: "DRAFT" }, { status: "RUNNING" });
    // updatedAt is @updatedAt: set it to the last change.
    await tx.experiment.update({ where: { id: e.id }, data: { updatedAt: ended ?? ago(e.startedDaysAgo) } });
  }
}

// ------------------------------------------------------------------------------------ traffic

/** The seed's "now": the demo project is created 45 days before it. */
const PROJECT_AGE_DAYS = 45;

/**
 * The demo's 30 days of calls (prisma/seed-traffic.ts), generated from what the database holds
 * (versions, label history, experiments), then each completed experiment's decision: the winner
 * the statistics name on those calls (`computeExperimentResults`) and its `experiment.promoted`
 * audit event. Done once: a completed experiment with its winner recorded means the traffic is in;
 * a database without the demo experiments (seeded by an older version) is left alone. Re-running
 * after an interruption stores no call twice (fixed call ids, the insert skips stored ones).
 */
export async function seedDemoHistory(db: PrismaClient): Promise<DemoTrafficSummary | null> {
  const project = await db.project.findUnique({ where: { slug: DEMO_PROJECT_SLUG }, select: { id: true, createdAt: true } });
  if (!project) return null;
  const experiments = await db.experiment.findMany({ where: { id: { in: DEMO_EXPERIMENTS.map((e) => e.id) } }, select: { id: true, winnerVariantId: true } });
  if (experiments.length !== DEMO_EXPERIMENTS.length) return null;
  const pending = DEMO_EXPERIMENTS.filter((e) => e.winner && !experiments.find((x) => x.id === e.id)?.winnerVariantId);
  if (pending.length === 0) return null;

  const anchor = project.createdAt.getTime() + PROJECT_AGE_DAYS * DAY_MS;
  const prompts = await db.prompt.findMany({
    where: { projectId: project.id, name: { in: DEMO_PROMPTS.map((p) => p.name) } },
    include: {
      versions: { where: { status: "PUBLISHED" } },
      labels: { include: { events: { orderBy: { at: "asc" }, include: { toVersion: { select: { major: true, minor: true, patch: true } } } } } },
      experiments: { where: { id: { in: DEMO_EXPERIMENTS.map((e) => e.id) } }, include: experimentInclude },
    },
  });
  const summary = await seedDemoTraffic(
    db,
    {
      projectId: project.id,
      anchor,
      prompts: prompts.map((p) => ({
        promptId: p.id,
        name: p.name,
        versions: p.versions.map((v) => ({ id: v.id, version: `${v.major}.${v.minor}.${v.patch}`, content: parseVersionContent(v) })),
        labels: Object.fromEntries(
          p.labels.map((l) => [
            l.name,
            l.events.map((ev) => ({ version: `${ev.toVersion.major}.${ev.toVersion.minor}.${ev.toVersion.patch}`, at: ev.at.getTime() })),
          ]),
        ),
        experiments: p.experiments.map((row) => {
          const view = toExperimentView(row);
          return {
            id: view.id,
            label: view.label,
            startedAt: new Date(view.startedAt ?? view.createdAt).getTime(),
            endedAt: view.endedAt ? new Date(view.endedAt).getTime() : null,
            allocation: view.design.allocation ?? {},
            variants: view.variants.map((v) => ({ id: v.id, key: v.key, version: v.version, weight: v.weight })),
          };
        }),
      })),
    },
    DEMO_TICKETS,
  );

  const admin = await db.user.findUnique({ where: { email: DEMO_ADMIN_EMAIL }, select: { id: true } });
  for (const e of pending) {
    const view = await getExperiment(project.id, e.id, { db });
    const results = await computeExperimentResults(view, { db });
    const winner = view.variants.find((v) => v.key === results.winnerKey);
    if (!winner || winner.key !== e.winner) {
      throw new Error(`seed: experiment "${e.name}" should have winner ${e.winner}, the statistics say ${results.winnerKey ?? "none"}: ${results.verdict}`);
    }
    await db.$transaction([
      db.experiment.update({ where: { id: e.id }, data: { winnerVariantId: winner.id, updatedAt: view.endedAt ?? undefined } }),
      db.auditEvent.create({
        data: {
          projectId: project.id,
          actorId: admin?.id ?? null,
          action: "experiment.promoted",
          targetType: "experiment",
          targetId: e.id,
          before: json({ status: "RUNNING" }),
          after: json({ status: "COMPLETED", variant: winner.key, version: winner.version, label: view.label }),
          at: view.endedAt ? new Date(view.endedAt) : new Date(anchor),
        },
      }),
    ]);
  }
  return summary;
}

// ------------------------------------------------------------------------------------ datasets

type Ticket = [ticket: string, channel: "email" | "chat" | "phone", category: string, urgency: "low" | "normal" | "high"];

/**
 * 40 support tickets for the ticket classifier's contract (`ticket`, `channel`), each with the
 * expected answer as JSON ({category, urgency}), so a new user can run an eval right away (exact
 * JSON field match on $.category, or the `ticket-judge` rubric as judge).
 */
export const DEMO_TICKETS: Ticket[] = [
  ["Charged twice for order #48213. My card shows two payments of $129.99 for the same headphones.", "email", "billing", "normal"],
  ["Can I get an invoice with my company's VAT number for last month's purchase?", "email", "billing", "low"],
  ["My annual plan renewed yesterday but I cancelled it last week. Please refund the $240.", "chat", "billing", "normal"],
  ["Why was I charged a restocking fee? Nobody told me about that.", "email", "billing", "normal"],
  ["The discount code SPRING20 didn't apply at checkout, I paid full price.", "chat", "billing", "low"],
  ["Payment failed three times but my bank says the card is fine. I need this monitor today for work.", "phone", "billing", "high"],
  ["Do you accept PayPal for orders over $1,000?", "chat", "billing", "low"],
  ["Where is my package? Tracking has said 'label created' for six days.", "email", "shipping", "normal"],
  ["The courier left my laptop outside in the rain and the box is soaked.", "phone", "shipping", "high"],
  ["Can I change the delivery address? I just moved and the order ships tomorrow.", "chat", "shipping", "normal"],
  ["How long does standard shipping to Canada take?", "email", "shipping", "low"],
  ["Tracking says delivered but nothing arrived. Neighbours didn't get it either.", "email", "shipping", "normal"],
  ["Only one of the two speakers I ordered arrived.", "chat", "shipping", "normal"],
  ["Is express delivery available on Saturdays?", "chat", "shipping", "low"],
  ["I want to return the keyboard, it's too loud. How do I get a return label?", "email", "returns", "low"],
  ["I returned the tablet three weeks ago and still have no refund.", "email", "returns", "normal"],
  ["The return portal says my order isn't eligible but it's within 30 days.", "chat", "returns", "normal"],
  ["Can I exchange the black webcam for the white one instead of returning it?", "chat", "returns", "low"],
  ["You sent me the wrong printer model, I need to send it back.", "phone", "returns", "normal"],
  ["Do I have to pay for return shipping on a defective item?", "email", "returns", "low"],
  ["My new power bank gets extremely hot while charging and smells like burning plastic.", "phone", "technical", "high"],
  ["The router keeps dropping the Wi-Fi connection every 10 minutes.", "email", "technical", "normal"],
  ["How do I pair the earbuds with two devices at once?", "chat", "technical", "low"],
  ["The monitor shows a black screen after the firmware update.", "email", "technical", "normal"],
  ["Smart plug won't connect to the app, stuck on 'searching'.", "chat", "technical", "normal"],
  ["The laptop battery drains from 100% to 20% in an hour.", "email", "technical", "normal"],
  ["Is the docking station compatible with a 2021 MacBook Pro?", "chat", "technical", "low"],
  ["The UPS I bought beeps constantly and shuts off our server rack. Production is down.", "phone", "technical", "high"],
  ["Someone changed my account email and password. I can't log in and there are orders I didn't place.", "phone", "account", "high"],
  ["How do I delete my account and all my personal data?", "email", "account", "normal"],
  ["I never receive the sign-in code by SMS.", "chat", "account", "normal"],
  ["Can I merge my two accounts? I used different emails by mistake.", "email", "account", "low"],
  ["Please update the phone number on my account.", "chat", "account", "low"],
  ["I got an email saying my password was reset, but it wasn't me.", "email", "account", "high"],
  ["Do you have a store in Lisbon?", "chat", "other", "low"],
  ["I'd like to suggest you sell ergonomic chairs.", "email", "other", "low"],
  ["Are you hiring for the support team?", "email", "other", "low"],
  ["Your delivery driver was very kind, please pass on my thanks.", "email", "other", "low"],
  ["Do you offer bulk pricing for schools?", "phone", "other", "normal"],
  ["Hi, the thing I bought doesn't work and also I was charged wrong.", "chat", "technical", "normal"],
];

export const DEMO_DATASET_NAME = "support-tickets";

/**
 * The demo dataset: `DEMO_TICKETS` as version 1 of "support-tickets", inserted inside the seed's
 * transaction through lib/datasets (`insertItemRows`, the importer's insert), each item checked by
 * the item schema first.
 */
async function seedDemoDatasets(
  tx: Prisma.TransactionClient,
  projectId: string,
  adminId: string,
  ago: (days: number, minutes?: number) => Date,
): Promise<void> {
  const dataset = await tx.dataset.create({
    data: {
      projectId,
      name: DEMO_DATASET_NAME,
      description: "Support tickets with the expected category and urgency, for evaluating the ticket classifier.",
      latestVersion: 1,
      createdAt: ago(6),
      updatedAt: ago(6),
    },
  });
  const rows: ItemRow[] = DEMO_TICKETS.map(([ticket, channel, category, urgency], i) => {
    const item = datasetItemInputSchema.parse({
      key: `ticket-${String(i + 1).padStart(2, "0")}`,
      variables: { ticket, channel },
      expected: { category, urgency },
      tags: [category, ...(urgency === "high" ? ["urgent"] : [])],
    });
    return {
      key: item.key as string,
      ordinal: i,
      variables: item.variables,
      expected: item.expected ?? null,
      metadata: item.metadata,
      tags: item.tags,
      sourceCallId: null,
    };
  });
  await insertItemRows(tx, dataset.id, 1, rows);
  await tx.datasetVersion.create({
    data: { datasetId: dataset.id, number: 1, itemCount: rows.length, note: `seeded ${rows.length} support tickets`, authorId: adminId, createdAt: ago(6) },
  });
}
