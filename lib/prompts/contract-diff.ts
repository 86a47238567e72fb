import { canonicalJson } from "@/lib/canonical-json";
import { AppError } from "@/lib/errors";
import { resolveVariables, type VariableInput } from "@/lib/prompts/render";
import type { VariableDef } from "@/lib/prompts/schemas";

type Bump = "major" | "minor" | "patch";
type Contract = Readonly<Record<string, VariableDef>>;

/**
 * One difference between two variables contracts, read from a caller's side. `breaking` means a
 * call valid against `from` may be refused (422) by `to`: a variable removed (callers sending it),
 * a type change, a variable that now has to be sent, enum values removed.
 */
export interface VariableContractChange {
  variable: string;
  kind:
    | "added"
    | "removed"
    | "type_changed"
    | "became_required"
    | "no_longer_required"
    | "required_flag_changed"
    | "enum_values_removed"
    | "enum_values_added"
    | "default_changed"
    | "description_changed";
  breaking: boolean;
  /** The semver bump this change needs when `to` is published after `from` (versioning.ts). */
  bump: Bump;
  /** e.g. `variable "language" removed`. */
  message: string;
}

/** Required with no default: a call must send it. */
export const mustSupply = (def: VariableDef): boolean => def.required && def.default === undefined;

/**
 * The variables contract difference `from` -> `to`, in `from`'s declared order then the variables
 * `to` adds. The one comparison behind the semver proposal (`proposeBump`) and the label-move
 * check (what a label serves -> the move's target). Pure.
 */
export function diffVariableContracts(from: Contract, to: Contract): VariableContractChange[] {
  const out: VariableContractChange[] = [];
  const add = (variable: string, kind: VariableContractChange["kind"], bump: Bump, message: string) =>
    out.push({ variable, kind, bump, breaking: bump === "major", message });
  for (const [name, a] of Object.entries(from)) {
    const b = to[name];
    if (!b) {
      add(name, "removed", "major", `variable "${name}" removed`);
      continue;
    }
    if (a.type !== b.type) {
      add(name, "type_changed", "major", `variable "${name}" changed type ${a.type} -> ${b.type}`);
      continue;
    }
    if (!mustSupply(a) && mustSupply(b)) add(name, "became_required", "major", `variable "${name}" became required`);
    else if (mustSupply(a) && !mustSupply(b)) add(name, "no_longer_required", "minor", `variable "${name}" no longer has to be sent`);
    else if (a.required !== b.required) add(name, "required_flag_changed", "minor", `variable "${name}" required flag changed`);
    if (a.type === "enum" && b.type === "enum") {
      const removed = a.values.filter((v) => !b.values.includes(v));
      const added = b.values.filter((v) => !a.values.includes(v));
      if (removed.length > 0) add(name, "enum_values_removed", "major", `variable "${name}" enum values removed: ${removed.join(", ")}`);
      if (added.length > 0) add(name, "enum_values_added", "minor", `variable "${name}" enum values added: ${added.join(", ")}`);
    }
    if (canonicalJson(a.default) !== canonicalJson(b.default)) add(name, "default_changed", "minor", `variable "${name}" default changed`);
    if ((a.description ?? "") !== (b.description ?? "")) add(name, "description_changed", "patch", `variable "${name}" description changed`);
  }
  for (const [name, b] of Object.entries(to)) {
    if (Object.hasOwn(from, name)) continue;
    if (mustSupply(b)) add(name, "added", "major", `new required variable "${name}" without a default`);
    else add(name, "added", "minor", `variable "${name}" added`);
  }
  return out;
}

/** What recent calls would have met under the target contract. */
export interface RecentCallsCheck {
  /** Calls looked at (with their variables recorded). */
  checked: number;
  /** Of those, calls the target would refuse (422): unknown, missing required or ill-typed variables. */
  incompatible: number;
  /** Calls in the window whose variables were not recorded (the project does not store bodies). */
  unrecorded: number;
  /** Per variable, how many calls would fail on it, most first (at most 10). */
  byVariable: Array<{ variable: string; calls: number; example: string }>;
}

/**
 * Replays recorded call variables against `to` with the renderer's own check (`resolveVariables`):
 * a call counts as incompatible when the target would answer it 422. `null` entries are calls
 * without recorded variables. Pure.
 */
export function checkCallsAgainstContract(to: Contract, calls: ReadonlyArray<VariableInput | null>): RecentCallsCheck {
  let checked = 0;
  let incompatible = 0;
  let unrecorded = 0;
  const byVariable = new Map<string, { calls: number; example: string }>();
  for (const variables of calls) {
    if (variables === null) {
      unrecorded++;
      continue;
    }
    checked++;
    try {
      resolveVariables(to, variables);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      incompatible++;
      for (const issue of error.issues ?? []) {
        const variable = issue.path.replace(/^variables\./, "");
        const entry = byVariable.get(variable) ?? { calls: 0, example: issue.message };
        entry.calls++;
        byVariable.set(variable, entry);
      }
    }
  }
  const list = [...byVariable.entries()].map(([variable, v]) => ({ variable, ...v }));
  list.sort((a, b) => b.calls - a.calls || a.variable.localeCompare(b.variable));
  return { checked, incompatible, unrecorded, byVariable: list.slice(0, 10) };
}

/** What moving a label from the version it serves to a target means for its callers. */
export interface LabelMoveContractCheck {
  label: string;
  /** The version the label serves now (null for a new label). */
  from: string | null;
  to: string;
  changes: VariableContractChange[];
  /** The changes that can turn a caller's valid call into a 422. */
  breaking: VariableContractChange[];
  recentCalls: RecentCallsCheck & { days: number; limit: number };
}

/** One sentence naming the breaking difference and the recent calls it would fail (the API's 409 message). */
export function describeContractBreak(check: LabelMoveContractCheck): string {
  const what = check.breaking.map((c) => c.message).join("; ");
  const calls = check.recentCalls;
  const recent =
    calls.checked > 0
      ? `${calls.incompatible} of the last ${calls.checked} recorded calls (${calls.days} days) would be refused by v${check.to}`
      : `no recorded calls in the last ${calls.days} days to check`;
  return `Moving "${check.label}" from v${check.from ?? "?"} to v${check.to} changes the variables contract: ${what}; ${recent}. Send "force": true to move anyway`;
}

/** Parses `metadata.variables` of a logged call; null when absent or not an object. */
export function recordedVariables(metadata: unknown): VariableInput | null {
  if (!metadata || typeof metadata !== "object" || Array.isArray(metadata)) return null;
  const v = (metadata as Record<string, unknown>).variables;
  return v && typeof v === "object" && !Array.isArray(v) ? (v as VariableInput) : null;
}
