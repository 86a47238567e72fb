import { AppError } from "@/lib/errors";
import type { ModelSpec } from "@/lib/models/catalog";
import { jsonSchemaProblems } from "@/lib/prompts/json-schema";
import { parseVersionContent, type OutputSchema, type PromptVersionContent, type SnippetPin, type VariableDef } from "@/lib/prompts/schemas";
import { routingProblems, type Routing } from "@/lib/prompts/routing";
import { formatPosition, parseTemplate } from "@/lib/prompts/sections";
import { scanTemplate } from "@/lib/prompts/templates";

export interface ContractIssue {
  severity: "error" | "warning";
  code:
    | "undeclared_variable"
    | "unused_variable"
    | "invalid_placeholder"
    | "unbalanced_braces"
    | "invalid_default"
    | "empty_enum"
    | "invalid_output_schema"
    | "template_syntax"
    | "history_placement"
    | "routing";
  message: string;
  /** Dotted path, e.g. `messages.0.content.1.text` or `variables.question`. */
  path: string;
  variable?: string;
}

export interface ContractReport {
  /** Variable names used anywhere in the templates, in order of first use. */
  used: string[];
  /** The used names that `variables` does not declare, in order of first use (each an `undeclared_variable` error). */
  undeclared: string[];
  errors: ContractIssue[];
  warnings: ContractIssue[];
}

export interface TemplateLocation {
  path: string;
  text: string;
}

/** Every template text of a version with its path: system blocks first, then message blocks. */
export function templateTexts(content: Pick<PromptVersionContent, "system" | "messages">): TemplateLocation[] {
  const out: TemplateLocation[] = content.system.map((b, i) => ({ path: `system.${i}.text`, text: b.text }));
  content.messages.forEach((m, i) => m.content.forEach((b, j) => out.push({ path: `messages.${i}.content.${j}.text`, text: b.text })));
  return out;
}

/** Checks a default value against its declared type; returns a message or null. */
export function checkDefault(def: VariableDef): string | null {
  if (def.default === undefined) return null;
  switch (def.type) {
    case "string":
      return typeof def.default === "string" ? null : "default must be a string";
    case "number":
      return typeof def.default === "number" && Number.isFinite(def.default) ? null : "default must be a finite number";
    case "boolean":
      return typeof def.default === "boolean" ? null : "default must be a boolean";
    case "enum":
      return def.values.includes(def.default) ? null : `default "${def.default}" is not one of the enum values`;
    case "json":
      return null;
  }
}

/**
 * Cross-checks templates against the variables contract (on already shape-valid content):
 * errors — a placeholder or a section (`{{#name}}`, sections.ts) whose variable is not declared
 * (by the version or a pinned snippet), a grammar error (unclosed or mismatched section, a bad
 * include, located "line L, col C"), unbalanced braces (`{{name` or
 * `{name}}`, see `scanTemplate`), a default that does not match its type, an enum with no values; warnings — a declared variable no template uses, a `{{...}}` span that
 * is not a valid placeholder (rendered literally). A chat history (`messages` variable) is never a
 * placeholder: using it in text, a position past the last turn or two histories at one position
 * are `history_placement` errors; it is never "unused". When `outputSchema` is given, a JSON output
 * schema that is not a valid JSON Schema (meta-schema, see json-schema.ts) is an error per
 * problem (`outputSchema.schema.<where>`). When `modelConfig.routing` is given, its problems
 * against the contract (`routingProblems`: unknown or untestable variables, impossible values,
 * rules that never fire) are errors at `modelConfig.routing.<where>`. Never throws.
 */
export function checkContract(
  content: Pick<PromptVersionContent, "system" | "messages" | "variables"> & {
    outputSchema?: OutputSchema;
    snippets?: readonly SnippetPin[];
    modelConfig?: { routing?: Pick<Routing, "rules"> };
  },
): ContractReport {
  const errors: ContractIssue[] = [];
  const warnings: ContractIssue[] = [];
  const used: string[] = [];
  const reportedUndeclared = new Set<string>();
  // Variables of pinned snippets join the contract (render.ts effectiveVariables).
  const declared = (name: string) => Object.hasOwn(content.variables, name) || (content.snippets ?? []).some((p) => Object.hasOwn(p.variables, name));
  for (const { path, text } of templateTexts(content)) {
    const scan = scanTemplate(text);
    const parsed = parseTemplate(text);
    for (const e of parsed.errors) {
      errors.push({ severity: "error", code: "template_syntax", message: `${formatPosition(e)}: ${e.message}`, path });
    }
    for (const section of parsed.sections) {
      if (!used.includes(section.name)) used.push(section.name);
      if (!declared(section.name) && !reportedUndeclared.has(`${path}:${section.name}`)) {
        reportedUndeclared.add(`${path}:${section.name}`);
        errors.push({
          severity: "error",
          code: "undeclared_variable",
          message: `${formatPosition(section)}: the section {{${section.inverted ? "^" : "#"}${section.name}}} tests "${section.name}", which is not declared in variables`,
          path,
          variable: section.name,
        });
      }
    }
    for (const p of scan.placeholders) {
      if (!used.includes(p.name)) used.push(p.name);
      if (content.variables[p.name]?.type === "messages" && !reportedUndeclared.has(`${path}:${p.name}`)) {
        reportedUndeclared.add(`${path}:${p.name}`);
        errors.push({
          severity: "error",
          code: "history_placement",
          message: `{{${p.name}}} is a chat history (messages variable): it is inserted as turns at its position, not into text`,
          path,
          variable: p.name,
        });
      }
      if (!declared(p.name) && !reportedUndeclared.has(`${path}:${p.name}`)) {
        reportedUndeclared.add(`${path}:${p.name}`);
        errors.push({
          severity: "error",
          code: "undeclared_variable",
          message: `{{${p.name}}} is used but not declared in variables`,
          path,
          variable: p.name,
        });
      }
    }
    for (const bad of scan.unbalanced) {
      errors.push({
        severity: "error",
        code: "unbalanced_braces",
        message: `unbalanced braces near "${bad.raw}": write a placeholder as {{name}} (or escape a literal as \\{{name}})`,
        path,
      });
    }
    for (const bad of scan.invalid) {
      warnings.push({
        severity: "warning",
        code: "invalid_placeholder",
        message: `${bad.raw} is not a valid placeholder (names are [a-zA-Z_][a-zA-Z0-9_]*) and is sent as literal text`,
        path,
      });
    }
  }
  const historyAt = new Map<number, string>();
  for (const [name, def] of Object.entries(content.variables)) {
    const path = `variables.${name}`;
    if (def.type === "messages") {
      if (def.position > content.messages.length) {
        errors.push({
          severity: "error",
          code: "history_placement",
          message: `${name}: position ${def.position} is past the last turn (0 inserts before turn 1, ${content.messages.length} after the last turn)`,
          path: `${path}.position`,
          variable: name,
        });
      }
      const other = historyAt.get(def.position);
      if (other !== undefined) {
        errors.push({
          severity: "error",
          code: "history_placement",
          message: `${name}: chat history "${other}" is already inserted at position ${def.position}`,
          path: `${path}.position`,
          variable: name,
        });
      } else historyAt.set(def.position, name);
      continue;
    }
    if (!used.includes(name)) {
      warnings.push({
        severity: "warning",
        code: "unused_variable",
        message: `variable "${name}" is declared but no template uses it`,
        path,
        variable: name,
      });
    }
    const defaultProblem = checkDefault(def);
    if (defaultProblem) {
      errors.push({ severity: "error", code: "invalid_default", message: `${name}: ${defaultProblem}`, path: `${path}.default`, variable: name });
    }
    if (def.type === "enum" && def.values.length === 0) {
      errors.push({ severity: "error", code: "empty_enum", message: `${name}: an enum needs at least one value`, path: `${path}.values`, variable: name });
    }
  }
  if (content.outputSchema?.format === "json") {
    for (const p of jsonSchemaProblems(content.outputSchema.schema)) {
      errors.push({
        severity: "error",
        code: "invalid_output_schema",
        message: `the output schema is not a valid JSON Schema: ${p.message}`,
        path: `outputSchema.schema${p.pointer.replace(/\//g, ".")}`,
      });
    }
  }
  // Model routing: variables in the contract (snippet variables included), possible values, rules that never fire.
  const routing = content.modelConfig?.routing;
  if (routing && Array.isArray(routing.rules)) {
    const contract = Object.assign({}, ...(content.snippets ?? []).map((p) => p.variables), content.variables) as PromptVersionContent["variables"];
    for (const p of routingProblems(routing, contract)) {
      errors.push({ severity: "error", code: "routing", message: p.message, path: `modelConfig.routing.${p.path}` });
    }
  }
  const undeclared = used.filter((name) => !declared(name));
  return { used, undeclared, errors, warnings };
}

/**
 * Full validation of version content: shapes (zod, see schemas.ts) then the contract check.
 * Throws `AppError("unprocessable", ..., { issues })` listing every shape error, or every
 * contract error; returns the parsed content and the contract warnings otherwise.
 */
export function validateVersionContent(
  input: unknown,
  options: { catalog?: readonly ModelSpec[] } = {},
): { content: PromptVersionContent; warnings: ContractIssue[] } {
  const content = parseVersionContent(input, options);
  const report = checkContract(content);
  if (report.errors.length > 0) {
    const onlySchema = report.errors.every((e) => e.code === "invalid_output_schema");
    const onlyRouting = report.errors.every((e) => e.code === "routing");
    const message = onlySchema
      ? "The output schema is not a valid JSON Schema"
      : onlyRouting
        ? "The model routing rules are invalid"
        : "The templates do not match the variables contract";
    throw new AppError("unprocessable", message, {
      issues: report.errors.map((e) => ({ path: e.path, message: e.message })),
      details: { errors: report.errors, warnings: report.warnings },
    });
  }
  return { content, warnings: report.warnings };
}
