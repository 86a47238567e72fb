import { unstable_rethrow } from "next/navigation";
import { z, ZodError } from "zod";
import { AppError, isAppError, toIssues, type AppErrorCode, type ErrorIssue } from "@/lib/errors";
import { ACTION_INPUT_LIMITS, describeIssue, inspectJsonInput, isPlainObject } from "@/lib/errors/hostile";
import { childLogger } from "@/lib/logger";
import type { ActorAccess, SessionUser } from "@/lib/auth/session";

type Role = ActorAccess["role"];

// Server actions: one result shape, one wrapper. This file is the framework-light core (the
// session is injected, so every rule here is unit-tested without Next); server-action.ts binds it
// to the real session and is what actions.ts files import.

/**
 * `unauthenticated`: no session (signed out, or the session expired). Only the wrapper answers it,
 * before reading the project or the input; the client sends the user to sign in
 * (`followSignedOut` in lib/http/signed-out.ts) and back to the page.
 */
export type ActionFailure = { ok: false; code: AppErrorCode | "internal" | "unauthenticated"; message: string; issues?: ErrorIssue[] };

/** What every server action returns: never a raw exception, never a 500. */
export type ActionResult<T = undefined> = { ok: true; data: T } | ActionFailure;

/**
 * How a client component types a server action it is handed: the page (a server component)
 * imports the action from its actions.ts and passes it down as a prop, so components/ never
 * import app/. `I` is what the component sends (project-scoped actions take `project`).
 */
export type ServerAction<I, O = undefined> = (input: I) => Promise<ActionResult<O>>;

/** A server action for `useActionState` or `<form action>`: the previous result and the form's data. */
export type FormServerAction<O> = (previous: ActionResult<O> | null, formData: FormData) => Promise<ActionResult<O>>;

/** The input of a project-scoped action: its own fields plus the project's slug (or id). */
export type InProject<I> = I & { project: string };

export const INTERNAL_ERROR_MESSAGE = "Something went wrong on our side; try again. The error was logged.";
export const SIGNED_OUT_MESSAGE = "You are signed out: sign in again, then retry.";
/** Same text as a missing membership (lib/auth/session.ts), so a malformed slug probes nothing. */
export const PROJECT_NOT_FOUND_MESSAGE = "Project not found";

/** At most this many issues go back to the client (a 10,000-element bad array is one message, not 10,000). */
export const MAX_RESULT_ISSUES = 50;

/** Limits every action input is held to before its schema runs (schemas add their own); defined beside the check so client forms can hold their input to them too. */
export { ACTION_INPUT_LIMITS };

type Log = (message: string, error: unknown) => void;

/** No session: what `defineAction` throws before anything else, answered as `unauthenticated`. */
class SignedOutError extends Error {
  constructor() {
    super(SIGNED_OUT_MESSAGE);
    this.name = "SignedOutError";
  }
}
const actionLog = childLogger({ component: "server-action" });
const logToConsole: Log = (message, error) => actionLog.error({ err: error }, message);

/**
 * Maps a failure to an action result: AppErrors keep their code, message and issues; a zod
 * failure (domain code parsing with `.parse`) is bad_request with its issues; Next's
 * redirect/notFound signals are rethrown; anything else is logged in full and shown as a generic
 * message (no internal text reaches the client).
 */
export function toActionFailure(error: unknown, log: Log = logToConsole): ActionFailure {
  unstable_rethrow(error);
  if (error instanceof SignedOutError) return { ok: false, code: "unauthenticated", message: SIGNED_OUT_MESSAGE };
  if (isAppError(error)) {
    return { ok: false, code: error.code, message: error.message, ...(error.issues?.length ? { issues: error.issues.slice(0, MAX_RESULT_ISSUES) } : {}) };
  }
  if (error instanceof ZodError) {
    return { ok: false, code: "bad_request", message: "Invalid input", issues: toIssues(error.issues).slice(0, MAX_RESULT_ISSUES) };
  }
  log("server action failed", error);
  return { ok: false, code: "internal", message: INTERNAL_ERROR_MESSAGE };
}

/** Runs an action body and maps failures with `toActionFailure` (what `defineAction` runs its steps in). */
export async function runAction<T>(body: () => Promise<T>, log: Log = logToConsole): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await body() };
  } catch (error) {
    return toActionFailure(error, log);
  }
}

/**
 * What no action accepts, whatever its schema says (`inspectJsonInput` in lib/errors/hostile.ts,
 * the same check the public API runs on every JSON body): values that are not JSON-like (Dates,
 * Maps, files, bigints, NaN/Infinity, class instances), text with NUL characters or unpaired
 * surrogates, nesting deeper than `maxDepth` or more than `maxNodes` values. Returns the first
 * problem found, or null.
 */
export function inspectActionInput(value: unknown, limits: { maxDepth: number; maxNodes: number } = ACTION_INPUT_LIMITS): ErrorIssue | null {
  return inspectJsonInput(value, limits);
}

/**
 * Checks raw action input with `inspectActionInput`, then parses it with `schema`. Failure is
 * AppError("bad_request") with the issues. The message of a schema failure is `invalidMessage`
 * when given, else the first issue's message; an inspection problem (NUL text, a Date, deep
 * nesting) always names its path, since "reload and retry" would not help.
 */
export function parseActionInput<S extends z.ZodType>(schema: S, raw: unknown, invalidMessage?: string): z.output<S> {
  const problem = inspectActionInput(raw);
  if (problem) throw new AppError("bad_request", describeIssue(problem), { issues: [problem] });
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = toIssues(parsed.error.issues).slice(0, MAX_RESULT_ISSUES);
    throw new AppError("bad_request", invalidMessage ?? issues[0]?.message ?? "Invalid input", { issues });
  }
  return parsed.data;
}

/**
 * A submitted form as a plain object for a schema: a field sent once is its value, a field sent
 * several times (checkboxes) an array. React's own `$ACTION_` fields are dropped; files stay (and
 * are refused by `inspectActionInput`). Keys such as `__proto__` become plain properties.
 */
export function formDataRecord(formData: FormData): Record<string, unknown> {
  const fields = new Map<string, FormDataEntryValue[]>();
  for (const [key, value] of formData.entries()) {
    if (key.startsWith("$ACTION_")) continue;
    const values = fields.get(key);
    if (values) values.push(value);
    else fields.set(key, [value]);
  }
  return Object.fromEntries([...fields].map(([key, values]) => [key, values.length === 1 ? values[0] : values]));
}

const projectRefSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/);

/** Splits `{ project, ...fields }`: the project reference (slug or id) and the action's own fields. */
export function splitProjectInput(raw: unknown): { project: string; fields: Record<string, unknown> } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw) || !isPlainObject(raw)) {
    throw new AppError("bad_request", "Invalid input", { issues: [{ path: "", message: "expected an object" }] });
  }
  const { project, ...fields } = raw;
  const ref = projectRefSchema.safeParse(project);
  if (!ref.success) throw new AppError("not_found", PROJECT_NOT_FOUND_MESSAGE);
  return { project: ref.data, fields };
}

/** Who runs actions: the signed-in user (null when signed out) and their access to a project. */
export interface ActionSession {
  currentUser(): Promise<SessionUser | null>;
  /** The user's access with at least `minRole`; throws AppError not_found / forbidden. */
  projectAccess(user: SessionUser, projectRef: string, minRole: Role): Promise<ActorAccess>;
}

interface SpecBase<S extends z.ZodType> {
  /** Parses the action's own fields (for a project action: everything but `project`). */
  input: S;
  /** The message when the input fails `input` (default: the first issue's message); issues are always returned. */
  invalidMessage?: string;
}

/** A project-scoped action: signed in, a member of `input.project` with at least `role`. */
export interface ProjectActionSpec<S extends z.ZodType> extends SpecBase<S> {
  role: Role;
}

/** An action anyone may call (first-run setup): no session is read. */
export interface PublicActionSpec<S extends z.ZodType> extends SpecBase<S> {
  public: true;
}

/** An action for any signed-in user, outside a project (the account page, accepting an invitation). */
export interface UserActionSpec<S extends z.ZodType> extends SpecBase<S> {
  signedIn: true;
}

type UserHandler<S extends z.ZodType, T> = (input: z.output<S>, user: SessionUser) => Promise<T>;
type ProjectHandler<S extends z.ZodType, T> = (input: z.output<S>, access: ActorAccess) => Promise<T>;
type AnySpec<S extends z.ZodType> = ProjectActionSpec<S> | PublicActionSpec<S> | UserActionSpec<S>;
type AnyHandler<S extends z.ZodType, T> = ProjectHandler<S, T> | PublicHandler<S, T> | UserHandler<S, T>;
type PublicHandler<S extends z.ZodType, T> = (input: z.output<S>) => Promise<T>;

export interface ActionDefiners {
  /**
   * Wraps a server action: reads the session (signed out: an `unauthenticated` result), resolves
   * `project` and checks the role (`not_found` / `forbidden`), parses every field with `input`
   * (`bad_request` with issues), runs `handler` and maps its errors with `toActionFailure`.
   */
  defineAction<S extends z.ZodType, T>(spec: ProjectActionSpec<S>, handler: ProjectHandler<S, T>): ServerAction<InProject<z.input<S>>, T>;
  defineAction<S extends z.ZodType, T>(spec: PublicActionSpec<S>, handler: PublicHandler<S, T>): ServerAction<z.input<S>, T>;
  defineAction<S extends z.ZodType, T>(spec: UserActionSpec<S>, handler: UserHandler<S, T>): ServerAction<z.input<S>, T>;
  /** `defineAction` for a form (`useActionState`): the FormData becomes an object (see `formDataRecord`) first. */
  defineFormAction<S extends z.ZodType, T>(spec: ProjectActionSpec<S>, handler: ProjectHandler<S, T>): FormServerAction<T>;
  defineFormAction<S extends z.ZodType, T>(spec: PublicActionSpec<S>, handler: PublicHandler<S, T>): FormServerAction<T>;
  defineFormAction<S extends z.ZodType, T>(spec: UserActionSpec<S>, handler: UserHandler<S, T>): FormServerAction<T>;
}

/** Builds `defineAction` / `defineFormAction` on a session source (the real one, or a fake in tests). */
export function createActionDefiners(session: ActionSession, log: Log = logToConsole): ActionDefiners {
  async function execute<S extends z.ZodType, T>(spec: AnySpec<S>, handler: AnyHandler<S, T>, raw: unknown): Promise<ActionResult<T>> {
    return runAction(async () => {
      if ("public" in spec) return (handler as PublicHandler<S, T>)(parseActionInput(spec.input, raw, spec.invalidMessage));
      const user = await session.currentUser();
      if (!user) throw new SignedOutError();
      if ("signedIn" in spec) return (handler as UserHandler<S, T>)(parseActionInput(spec.input, raw, spec.invalidMessage), user);
      const { project, fields } = splitProjectInput(raw);
      const access = await session.projectAccess(user, project, spec.role);
      return (handler as ProjectHandler<S, T>)(parseActionInput(spec.input, fields, spec.invalidMessage), access);
    }, log);
  }

  function defineAction<S extends z.ZodType, T>(spec: AnySpec<S>, handler: AnyHandler<S, T>): ServerAction<InProject<z.input<S>>, T> {
    return async (raw) => execute(spec, handler, raw);
  }

  function defineFormAction<S extends z.ZodType, T>(spec: AnySpec<S>, handler: AnyHandler<S, T>): FormServerAction<T> {
    return async (_previous, formData) => {
      if (!(formData instanceof FormData))
        return { ok: false, code: "bad_request", message: "Invalid input", issues: [{ path: "", message: "expected form data" }] };
      return execute(spec, handler, formDataRecord(formData));
    };
  }

  return { defineAction, defineFormAction } as ActionDefiners;
}
