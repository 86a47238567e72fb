// Dependency rules, run by `npm run lint` after ESLint (`npm run lint:deps` alone). What each rule
// means and why is in ARCHITECTURE.md ("Rules lint enforces"); keep the two in step.
//
// The lib/ domain graph below is the source of truth: each domain lists the domains it may import
// (its own files are always allowed). `env`, `errors`, `logger` and `canonical-json` are the foundation every domain may use;
// `generated` (the Prisma client) comes with `db`. The table must stay acyclic: loading this file
// throws if an edit introduces a cycle, before any code is checked.

/** lib/<domain> -> the lib domains it may import, lowest layer first. */
const DOMAINS = {
  // foundation: imports nothing from lib (logger: only env, which every domain may import)
  env: [],
  errors: [],
  logger: [],
  "canonical-json": [],
  // data access
  db: ["generated"],
  generated: [],
  // leaves over the database
  models: ["db"],
  projects: ["jobs", "db"],
  "query-keys": [],
  // durable jobs: pg-boss queues on the app's PostgreSQL
  jobs: [],
  // people and their actions
  audit: ["projects", "db"],
  users: ["projects", "db"],
  health: ["db"],
  // outgoing email (nodemailer over SMTP_URL); knows nothing of the product
  mail: [],
  // invitations and membership changes (roles, removal, leaving; the last-admin rule)
  members: ["mail", "users", "projects", "audit", "db"],
  "claude-simulator": ["models"],
  // the prompt registry
  prompts: ["models", "projects", "audit", "db"],
  // next-auth glue (may import next/*): reads users, projects, audit; only edges import it
  auth: ["users", "projects", "audit", "db"],
  // Claude: the runner renders prompts and prices calls
  claude: ["prompts", "models", "claude-simulator", "db"],
  // the call log (row codec + batching writer); never imports metrics
  calls: ["claude", "db"],
  // rollups and charts over the call log; composes the process-wide writer (rollup sink)
  metrics: ["jobs", "calls", "claude", "models", "db"],
  "api-keys": ["auth", "projects", "audit", "db"],
  // the one run-and-log path and the project's run policy (Project.settings)
  runs: ["prompts", "claude", "calls", "metrics", "models", "projects", "audit", "db"],
  playground: ["runs", "prompts", "claude", "calls", "metrics", "models", "db"],
  serving: ["prompts", "calls", "metrics", "models", "audit", "db"],
  // datasets: versioned test cases (import, contract checks, items from logged calls)
  datasets: ["prompts", "models", "projects", "audit", "db"],
  experiments: ["datasets", "runs", "playground", "prompts", "claude", "calls", "metrics", "models", "projects", "audit", "db"],
  // offline evaluations: scorers, judges, eval runs as durable jobs (realtime or Message Batches)
  evals: ["jobs", "datasets", "experiments", "runs", "prompts", "claude", "calls", "metrics", "models", "projects", "audit", "db"],
  // webhooks: endpoints, signed deliveries of the change feed's outbox events from a durable queue, the SSRF guard
  webhooks: ["jobs", "serving", "prompts", "projects", "audit", "db"],
  // batch jobs for apps: many variable sets of a prompt through Message Batches, durable, results by the caller's ids
  "batch-jobs": ["jobs", "runs", "metrics", "calls", "claude", "prompts", "models", "db"],
  // canary rollouts: a label's traffic moved to a new version in steps through an experiment, guardrails, rollback, durable checks
  rollouts: ["jobs", "experiments", "prompts", "projects", "audit", "db"],
  // the prompt length audit: token breakdown, call-log statistics, findings with savings, Condense (through runs)
  "length-audit": ["runs", "prompts", "claude", "models", "audit", "db"],
  // the lean public API (may import next/*)
  http: [
    "rollouts",
    "batch-jobs",
    "evals",
    "datasets",
    "serving",
    "experiments",
    "runs",
    "api-keys",
    "auth",
    "metrics",
    "calls",
    "claude",
    "prompts",
    "models",
    "db",
  ],
  // the typed client; generate-types.ts reads the OpenAPI document from lib/http
  client: ["http"],
  // the composition root: creates, starts and stops what a server process owns
  runtime: ["http", "rollouts", "webhooks", "batch-jobs", "evals", "runs", "metrics", "calls", "claude", "projects", "db"],
};
const FOUNDATION = ["env", "errors", "logger", "canonical-json"];

// Fail fast on an unknown name or a cycle in the table itself.
(function checkDomainTable() {
  const state = {};
  const visit = (name, trail) => {
    if (!(name in DOMAINS)) throw new Error(`.dependency-cruiser.cjs: lib domain "${name}" (imported by ${trail.at(-1)}) is not in DOMAINS`);
    if (state[name] === "done") return;
    if (state[name] === "visiting") throw new Error(`.dependency-cruiser.cjs: the lib domain table has a cycle: ${[...trail, name].join(" -> ")}`);
    state[name] = "visiting";
    for (const next of DOMAINS[name]) visit(next, [...trail, name]);
    state[name] = "done";
  };
  for (const name of Object.keys(DOMAINS)) visit(name, []);
})();

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
/** Matches a module of one of the domains: lib/<name>/... or lib/<name>.ts. */
const domainPath = (names) => `^lib/(${names.map(escape).join("|")})(/|\\.tsx?$)`;
const KNOWN = domainPath(Object.keys(DOMAINS));

const domainRules = Object.entries(DOMAINS).map(([name, allowed]) => {
  const may = [...new Set([...allowed, ...(allowed.includes("db") ? ["generated"] : []), ...(name === "env" || name === "errors" ? [] : FOUNDATION)])];
  return {
    name: `lib-domain-${name}`,
    severity: "error",
    comment: `lib/${name} may import only ${may.length ? may.map((d) => `lib/${d}`).join(", ") : "no other lib domain"} (the domain graph in ARCHITECTURE.md).`,
    from: { path: domainPath([name]) },
    to: { path: "^lib/", pathNot: domainPath([name, ...may]) },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A module reaches itself through its imports (type-only imports count). Move the shared part to the lower module.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that resolves to no file or package.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "components-not-to-app",
      severity: "error",
      comment: "components/ is shared UI: it must not import routes, pages or server actions from app/. Pass actions in as props from the page.",
      from: { path: "^components/" },
      to: { path: "^app/" },
    },
    {
      name: "db-only-in-lib",
      severity: "error",
      comment:
        "Only lib/ talks to the database: app/ and components/ must not import lib/db, the generated Prisma client, prisma/, @prisma/*, pg or @electric-sql/*. Call a lib function instead.",
      from: { path: "^(app|components)/" },
      to: {
        path: ["^lib/(db|generated)/", "^prisma/", "(^|/)node_modules/(@prisma/[^/]+|prisma|pg|pg-[^/]+|pglite-prisma-adapter|@electric-sql/[^/]+)/"],
      },
    },
    {
      name: "lib-framework-free",
      severity: "error",
      comment: "lib/ is framework-free: only lib/auth and lib/http may import next or next-auth.",
      from: { path: "^lib/", pathNot: "^lib/(auth|http)/" },
      to: { path: "(^|/)node_modules/(next|next-auth)/" },
    },
    {
      name: "lib-not-to-ui",
      severity: "error",
      comment: "lib/ must not import app/ or components/: data flows UI -> lib, never back. Move the shared helper into lib.",
      from: { path: "^lib/" },
      to: { path: "^(app|components)/" },
    },
    {
      name: "lib-not-to-tooling",
      severity: "error",
      comment: "lib/ must not import prisma/ (the seed), scripts/, tests/, bench/ or server.ts: they build on lib, not the other way.",
      from: { path: "^lib/" },
      to: { path: "^(prisma|scripts|tests|bench)/|^server\\.ts$" },
    },
    {
      name: "ui-not-to-tooling",
      severity: "error",
      comment: "app/ and components/ must not import scripts/, tests/, bench/ or server.ts.",
      from: { path: "^(app|components)/" },
      to: { path: "^(scripts|tests|bench)/|^server\\.ts$" },
    },
    {
      name: "lib-unknown-domain",
      severity: "error",
      comment: "A lib/ module outside the known domains: add the domain (and what it may import) to DOMAINS in .dependency-cruiser.cjs and to ARCHITECTURE.md.",
      from: { path: "^lib/", pathNot: KNOWN },
      to: {},
    },
    {
      name: "to-lib-unknown-domain",
      severity: "error",
      comment: "An import of a lib/ domain that is not in DOMAINS: add it to .dependency-cruiser.cjs and ARCHITECTURE.md.",
      from: {},
      to: { path: "^lib/", pathNot: KNOWN },
    },
    ...domainRules,
  ],
  options: {
    doNotFollow: { path: ["(^|/)node_modules/", "^lib/generated/"] },
    exclude: { path: "^\\.next/" },
    tsConfig: { fileName: "tsconfig.json" },
    // Type-only imports are dependencies too: a cycle through types is still a cycle in the design.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".tsx", ".d.ts", ".js", ".mjs", ".cjs", ".json"],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
