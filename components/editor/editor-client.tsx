"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { findModel, formatMicros, type ModelSpec } from "@/lib/claude/catalog";
import { isAppError } from "@/lib/errors";
import { analyzeCache, cacheBlocks, normalizeAcknowledgements, type CountedTokens } from "@/lib/prompts/cache";
import { queryKeys } from "@/lib/query-keys";
import { checkContract } from "@/lib/prompts/contract";
import { previewCost } from "@/lib/prompts/cost";
import { renderVersion } from "@/lib/prompts/render";
import { effortSchema, parseVersionContent, serviceTierSchema, systemBlockRoleSchema, variableTypeSchema, type PromptVersionContent } from "@/lib/prompts/schemas";
import { countTokensAction, saveDraftAction } from "@/app/(dashboard)/p/[project]/prompts/[name]/edit/actions";
import { Badge, Button, ButtonLink, Card, cx } from "@/components/ui";
import { PublishDialog } from "@/components/prompts/publish-dialog";
import { promptPath } from "@/components/prompts/paths";
import { acknowledgedLocations, anchorForPath, fromContent, moveItem, newId, toContent, type BlockState, type CacheChoice, type EditorState, type VariableState } from "./editor-model";
import { BlockToolbar, dragItemClass, IconButton, useDragReorder } from "./block-toolbar";
import { TemplateEditor } from "./template-editor";

const AUTOSAVE_MS = 1000;
/** Pause in typing before the template is counted with messages.countTokens. */
const COUNT_DEBOUNCE_MS = 800;

const systemRoles = systemBlockRoleSchema.options.map((r) => ({ value: r, label: r }));
const turnRoles = [
  { value: "user", label: "user" },
  { value: "assistant", label: "assistant" },
] as const;
const turnRolesLast = [
  { value: "user", label: "user" },
  { value: "assistant", label: "assistant (prefill)" },
] as const;

interface Issue {
  severity: "error" | "warning";
  message: string;
  path: string;
  source: "shape" | "contract" | "cache" | "form";
}

type SaveState =
  | { kind: "clean"; at?: string }
  | { kind: "saving" }
  | { kind: "error"; message: string; issues?: { path: string; message: string }[] }
  | { kind: "conflict"; message: string };

const inputClass = "h-8 w-full rounded-md border border-border bg-surface px-2 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";
const smallLabel = "block text-xxs font-medium tracking-wide text-fg-muted uppercase";

function CacheToggle({ value, onChange, label }: { value: CacheChoice; onChange: (c: CacheChoice) => void; label: string }) {
  return (
    <div role="radiogroup" aria-label={`Cache breakpoint for ${label}`} className="inline-flex overflow-hidden rounded-md border border-border text-xxs">
      {(["off", "5m", "1h"] as const).map((c) => (
        <button
          key={c}
          type="button"
          role="radio"
          aria-checked={value === c}
          onClick={() => onChange(c)}
          className={cx("px-2 py-0.5", value === c ? (c === "off" ? "bg-muted font-semibold text-fg" : "bg-accent font-semibold text-accent-fg") : "text-fg-muted hover:bg-muted")}
          title={c === "off" ? "No cache breakpoint" : `Cache the prefix up to here for ${c === "5m" ? "5 minutes" : "1 hour"}`}
        >
          {c === "off" ? "no cache" : c}
        </button>
      ))}
    </div>
  );
}

export interface EditorClientProps {
  project: string;
  promptId: string;
  promptName: string;
  initialContent: PromptVersionContent;
  /** Acknowledged variable-before-breakpoint locations stored on the draft (or the version it starts from). */
  initialAcknowledged: string[];
  /** The draft's lock version, or -1 when no draft exists yet (the first save creates it). */
  lockVersion: number;
  /** Set when there is no draft: the version the editor starts from ("1.2.0" or "starter"). */
  basedOn: string | null;
  latestPublished: string | null;
  labels: { name: string; protected: boolean }[];
  isAdmin: boolean;
  /** The model catalog with prices from the database. */
  models: ModelSpec[];
  /** True when ANTHROPIC_API_KEY is configured: cached prefixes are counted with messages.countTokens. */
  tokenCounting: boolean;
}

/**
 * The draft editor: blocks in CodeMirror with cache toggles and running cached-prefix token
 * estimates, the variables contract, model config, output format, live validation (lib/prompts
 * parse, contract and cache checks), cost preview and rendered preview, autosave with optimistic
 * locking (a conflict stops saving and asks for a reload), and publishing.
 */
export function EditorClient(props: EditorClientProps) {
  const { project, promptId, promptName, models } = props;
  const [state, setState] = useState<EditorState>(() => fromContent(props.initialContent, props.initialAcknowledged));
  const initialJson = useMemo(() => {
    const initial = toContent(fromContent(props.initialContent)).content;
    return JSON.stringify({ content: initial, acknowledged: normalizeAcknowledgements(initial, props.initialAcknowledged) });
  }, [props.initialContent, props.initialAcknowledged]);
  const [savedJson, setSavedJson] = useState(initialJson);
  const [save, setSave] = useState<SaveState>({ kind: "clean" });
  const [hitRate, setHitRate] = useState(0.8);
  const [outputTokens, setOutputTokens] = useState(400);
  const [samples, setSamples] = useState<Record<string, string>>({});
  const [basedOn, setBasedOn] = useState(props.basedOn);

  const update = useCallback((patch: (s: EditorState) => EditorState) => setState((s) => patch(s)), []);

  // ---- derived: content and every check, all from lib/prompts ----
  const { content, issues: formIssues } = useMemo(() => toContent(state), [state]);
  // Acknowledged variable-before-breakpoint locations that apply (the same rule the server stores).
  const acknowledged = useMemo(() => normalizeAcknowledgements(content, acknowledgedLocations(state)), [content, state]);
  // What a save sends: the content and the acknowledgements (review state, outside the content hash).
  const contentJson = useMemo(() => JSON.stringify({ content, acknowledged }), [content, acknowledged]);
  const dirty = contentJson !== savedJson;

  const shapeIssues = useMemo<Issue[]>(() => {
    try {
      parseVersionContent(content, { catalog: models });
      return [];
    } catch (error) {
      if (isAppError(error)) return (error.issues ?? [{ path: "", message: error.message }]).map((i) => ({ severity: "error", source: "shape", ...i }));
      return [{ severity: "error", source: "shape", path: "", message: String(error) }];
    }
  }, [content, models]);
  const contract = useMemo(() => checkContract(content), [content]);
  const savable = formIssues.length === 0 && shapeIssues.length === 0;

  // ---- token counts: messages.countTokens after a pause in typing, else the labelled estimate ----
  const templateJson = useMemo(() => JSON.stringify({ system: content.system, messages: content.messages, model: content.modelConfig.model }), [content]);
  const [settledTemplate, setSettledTemplate] = useState(templateJson);
  useEffect(() => {
    const timer = setTimeout(() => setSettledTemplate(templateJson), COUNT_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [templateJson]);
  const contentRef = useRef(content);
  useEffect(() => {
    contentRef.current = content;
  }, [content]);
  const settled = settledTemplate === templateJson;
  const countQuery = useQuery({
    queryKey: queryKeys.project(project).tokenCount(promptId, settledTemplate),
    queryFn: async () => {
      const result = await countTokensAction({ project, promptId, content: contentRef.current });
      if (!result.ok) throw new Error(result.message);
      return result.data;
    },
    enabled: props.tokenCounting && savable && settled,
    staleTime: Infinity,
    retry: false,
  });
  const counted = useMemo<CountedTokens | undefined>(() => {
    if (!settled || !countQuery.data) return undefined;
    return { totalTokens: countQuery.data.totalTokens, prefixTokens: Object.fromEntries(countQuery.data.breakpoints.map((b) => [b.location, b.prefixTokens])) };
  }, [settled, countQuery.data]);
  const tokenSource: { kind: "counted" | "estimate"; note: string } = !props.tokenCounting
    ? { kind: "estimate", note: "estimate: no Anthropic API key is configured" }
    : counted
      ? { kind: "counted", note: "counted by the API" }
      : !savable
        ? { kind: "estimate", note: "estimate: fix the errors to count with the API" }
        : countQuery.isError && settled
          ? { kind: "estimate", note: `estimate: counting failed (${countQuery.error.message})` }
          : { kind: "estimate", note: "estimate: counting with the API…" };

  const cache = useMemo(() => analyzeCache(content, { catalog: models, counted, acknowledgedVariableBreakpoints: acknowledged }), [content, models, counted, acknowledged]);
  const blocks = useMemo(() => cacheBlocks(content), [content]);

  const issues = useMemo<Issue[]>(
    () => [
      ...formIssues.map((i) => ({ ...i, severity: "error" as const, source: "form" as const })),
      ...shapeIssues,
      ...contract.errors.map((i) => ({ severity: "error" as const, source: "contract" as const, path: i.path, message: i.message })),
      ...cache.issues.map((i) => ({ severity: i.severity, source: "cache" as const, path: i.location, message: i.message })),
      ...contract.warnings.map((i) => ({ severity: "warning" as const, source: "contract" as const, path: i.path, message: i.message })),
    ],
    [formIssues, shapeIssues, contract, cache],
  );
  const spec = findModel(state.model, models);
  const cost = useMemo(() => {
    if (!spec) return null;
    try {
      return previewCost(content, { model: spec, expectedOutputTokens: outputTokens, hitRate, counted });
    } catch {
      return null;
    }
  }, [content, spec, outputTokens, hitRate, counted]);

  const rendered = useMemo(() => {
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(samples)) if (v !== "" && Object.hasOwn(content.variables, k)) values[k] = v;
    try {
      return { ok: true as const, json: JSON.stringify(renderVersion(content, values, { coerceStrings: true, catalog: models }), null, 2) };
    } catch (error) {
      if (isAppError(error)) return { ok: false as const, issues: error.issues ?? [{ path: "", message: error.message }] };
      return { ok: false as const, issues: [{ path: "", message: error instanceof Error ? error.message : "cannot render" }] };
    }
  }, [content, samples, models]);

  // ---- saving ----
  const mutation = useMutation({
    mutationFn: (input: { content: PromptVersionContent; acknowledged: string[]; lockVersion: number }) =>
      saveDraftAction({ project, promptId, content: input.content, acknowledged: input.acknowledged, lockVersion: input.lockVersion }),
  });
  const inflight = useRef<Promise<boolean> | null>(null);
  // The lock version and the saved JSON as of the last finished save, read when a save starts (not
  // from the render that scheduled it): a save that waited for an in-flight one sends the lock
  // version that one returned, instead of the stale one (a false conflict).
  const handshake = useRef({ lockVersion: props.lockVersion, savedJson: initialJson, conflicted: false });
  const conflicted = save.kind === "conflict";

  const saveNow = useCallback(async (): Promise<boolean> => {
    while (inflight.current) await inflight.current;
    if (handshake.current.conflicted) return false;
    const json = contentJson;
    if (json === handshake.current.savedJson) return true;
    const run = (async () => {
      setSave({ kind: "saving" });
      const result = await mutation.mutateAsync({ content, acknowledged, lockVersion: handshake.current.lockVersion });
      if (result.ok) {
        handshake.current = { ...handshake.current, lockVersion: result.data.lockVersion, savedJson: json };
        setSavedJson(json);
        setBasedOn(null);
        setSave({ kind: "clean", at: result.data.savedAt });
        return true;
      }
      if (result.code === "conflict") {
        handshake.current = { ...handshake.current, conflicted: true };
        setSave({ kind: "conflict", message: result.message });
        return false;
      }
      setSave({ kind: "error", message: result.message, issues: result.issues });
      return false;
    })();
    inflight.current = run;
    try {
      return await run;
    } finally {
      if (inflight.current === run) inflight.current = null;
    }
  }, [contentJson, mutation, content, acknowledged]);

  // Debounced autosave of valid content (an explicit Save also sends invalid content, to show the server's answer).
  useEffect(() => {
    if (!dirty || conflicted || !savable) return;
    const timer = setTimeout(() => void saveNow(), AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [contentJson, dirty, conflicted, savable, saveNow]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key === "s") {
        e.preventDefault();
        void saveNow();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [saveNow]);

  useEffect(() => {
    const onLeave = (e: BeforeUnloadEvent) => {
      if (dirty && !conflicted) e.preventDefault();
    };
    window.addEventListener("beforeunload", onLeave);
    return () => window.removeEventListener("beforeunload", onLeave);
  }, [dirty, conflicted]);

  const jumpTo = (path: string) => {
    const el = document.getElementById(anchorForPath(path));
    if (!el) return;
    el.scrollIntoView({ behavior: "smooth", block: "center" });
    const focusable = el.querySelector<HTMLElement>(".cm-content, input, select, textarea");
    (focusable ?? el).focus({ preventScroll: true });
  };

  // ---- running cached-prefix tokens per block ----
  const running = useMemo(() => {
    const out = new Map<string, { tokens: number; prefix: number }>();
    let sum = 0;
    for (const b of blocks) {
      sum += b.tokens;
      out.set(b.location, { tokens: b.tokens, prefix: sum });
    }
    return out;
  }, [blocks]);
  const breakpointAt = useMemo(() => new Map(cache.breakpoints.map((b) => [b.location, b])), [cache]);
  const issueCountAt = (location: string) => issues.filter((i) => anchorForPath(i.path) === anchorForPath(location) && i.severity === "error").length;

  const blockFooter = (location: string, block: BlockState, patch: (p: Partial<BlockState>) => void, label: string) => {
    const r = running.get(location);
    const bp = breakpointAt.get(location);
    return (
      <div className="flex flex-wrap items-center gap-2 text-xxs text-fg-muted">
        <CacheToggle value={block.cache} onChange={(cache) => patch({ cache })} label={label} />
        <span data-testid={`tokens-${location}`}>
          ~{r?.tokens ?? 0} tokens · prefix ~{r?.prefix ?? 0} <span className="italic">(estimate)</span>
        </span>
        {bp ? (
          <Badge tone={bp.meetsMinimum ? "success" : "warning"} data-testid={`breakpoint-${location}`} data-counted={bp.counted ? "true" : "false"}>
            cached prefix {bp.counted ? "" : "~"}
            {bp.prefixTokens.toLocaleString("en")} tokens{cache.minCacheableTokens ? ` / min ${cache.minCacheableTokens.toLocaleString("en")}` : ""} ({bp.counted ? "counted by the API" : "estimate"})
          </Badge>
        ) : null}
        {bp && bp.variablesInPrefix.length > 0 ? (
          <label className={cx("flex items-center gap-1", bp.acknowledged ? "text-warning" : "text-danger")} title="The cached prefix changes whenever these variables do; acknowledge only if that is intended (e.g. one cache entry per tenant). Stored with the version.">
            <input type="checkbox" checked={bp.acknowledged} onChange={(e) => patch({ acknowledged: e.target.checked })} data-testid={`editor-ack-${location}`} />
            {bp.acknowledged ? "acknowledged:" : "acknowledge"} {bp.variablesInPrefix.map((v) => `{{${v}}}`).join(", ")} before this breakpoint
          </label>
        ) : null}
      </div>
    );
  };

  const setSystem = (id: string, patch: Partial<EditorState["system"][number]>) =>
    update((s) => ({ ...s, system: s.system.map((b) => (b.id === id ? { ...b, ...patch } : b)) }));
  const setTurnBlock = (turnId: string, blockId: string, patch: Partial<BlockState>) =>
    update((s) => ({
      ...s,
      turns: s.turns.map((t) => (t.id === turnId ? { ...t, blocks: t.blocks.map((b) => (b.id === blockId ? { ...b, ...patch } : b)) } : t)),
    }));
  const setVariable = (id: string, patch: Partial<VariableState>) =>
    update((s) => ({ ...s, variables: s.variables.map((v) => (v.id === id ? { ...v, ...patch } : v)) }));

  const systemDrag = useDragReorder("system-block", (from, to) => update((s) => ({ ...s, system: moveItem(s.system, from, to) })));
  const turnDrag = useDragReorder("message-turn", (from, to) => update((s) => ({ ...s, turns: moveItem(s.turns, from, to) })));

  const declared = new Set(state.variables.map((v) => v.name.trim()));
  const missing = contract.used.filter((n) => !declared.has(n));
  const errorsCount = issues.filter((i) => i.severity === "error").length;
  const warningCount = issues.length - errorsCount;

  const invalid = dirty && !savable;
  const statusText =
    save.kind === "conflict"
      ? "Not saved: conflict"
      : save.kind === "saving"
        ? "Saving…"
        : save.kind === "error"
          ? "Save failed"
          : invalid
            ? "Not saved: fix the errors below"
            : dirty
              ? "Unsaved changes"
              : save.at
                ? `Saved ${new Date(save.at).toLocaleTimeString()}`
                : basedOn
                  ? "No draft yet"
                  : "All changes saved";

  return (
    <div>
      <div className="sticky top-12 z-30 -mx-6 mb-4 flex items-center gap-3 border-b border-border bg-bg/95 px-6 py-2 backdrop-blur">
        <h1 className="min-w-0 truncate font-mono text-base font-semibold">{promptName}</h1>
        <Badge tone="warning">draft</Badge>
        <span className={cx("text-xs", save.kind === "error" || save.kind === "conflict" || invalid ? "text-danger" : "text-fg-muted")} data-testid="save-status" aria-live="polite">
          {statusText}
        </span>
        <div className="ml-auto flex items-center gap-2">
          <ButtonLink href={promptPath(project, promptName)} variant="ghost" size="sm">
            Close
          </ButtonLink>
          <Button size="sm" onClick={() => void saveNow()} disabled={conflicted || save.kind === "saving" || !dirty} data-testid="save-draft">
            Save
          </Button>
          <PublishDialog
            project={project}
            promptId={promptId}
            promptName={promptName}
            labels={props.labels}
            isAdmin={props.isAdmin}
            disabled={conflicted || (basedOn !== null && !dirty)}
            beforeOpen={async () => (dirty ? saveNow() : true)}
          />
        </div>
      </div>

      {save.kind === "conflict" ? (
        <div className="mb-4 flex items-center gap-3 rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger" data-testid="conflict-banner" role="status">
          <span>
            <strong>Someone else saved this draft</strong> after you opened it, so your changes were not saved (nothing was overwritten). {save.message}. Copy anything you want to keep, then reload.
          </span>
          <Button size="sm" variant="danger" className="ml-auto" onClick={() => window.location.reload()} data-testid="conflict-reload">
            Reload
          </Button>
        </div>
      ) : null}
      {save.kind === "error" ? (
        <div className="mb-4 rounded-md border border-danger/30 bg-danger/10 px-3 py-2 text-sm text-danger" data-testid="save-error" role="status">
          {save.message}
          {save.issues?.length ? (
            <ul className="mt-1 list-disc pl-5 text-xs">
              {save.issues.map((i, k) => (
                <li key={k}>
                  <span className="font-mono">{i.path}</span>: {i.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {basedOn ? (
        <div className="mb-4 rounded-md border border-border bg-surface px-3 py-2 text-xs text-fg-muted" data-testid="based-on">
          {basedOn === "starter" ? "This prompt has no draft: you are editing the starter template." : `Published versions are frozen: you are editing a new draft based on v${basedOn}.`} The draft is created with your first change.
        </div>
      ) : null}

      <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,1fr)_360px]">
        <div className="min-w-0 space-y-4">
          {/* System blocks */}
          <Card className="p-4" id="section-blocks">
            <div className="mb-2 flex items-center justify-between">
              <h2 className="text-sm font-semibold">System</h2>
              <Button
                size="sm"
                variant="ghost"
                onClick={() => update((s) => ({ ...s, system: [...s.system, { id: newId("s"), role: "instructions", text: "", cache: "off" }] }))}
                data-testid="add-system-block"
              >
                + System block
              </Button>
            </div>
            <p className="mb-2 text-xxs text-fg-muted">
              Token counts:{" "}
              <span className={cx(tokenSource.kind === "counted" ? "font-medium text-success" : "italic")} data-testid="token-source" data-kind={tokenSource.kind}>
                {tokenSource.note}
              </span>
              {tokenSource.kind === "estimate" ? " (per block, always estimated: ceil(characters / 3.5) + framing)" : " for the cached prefixes and the total; per-block figures are estimates"}
            </p>
            {state.system.length === 0 ? <p className="text-xs text-fg-muted">No system prompt.</p> : null}
            <ol className="space-y-3">
              {state.system.map((b, i) => {
                const location = `system.${i}`;
                const label = `System block ${i + 1}`;
                return (
                  <li
                    key={b.id}
                    id={`block-system-${i}`}
                    tabIndex={-1}
                    {...systemDrag.itemProps(i)}
                    data-drag-item="system"
                    className={cx("rounded-md border p-2.5", issueCountAt(location) > 0 ? "border-danger/50" : "border-border", dragItemClass(systemDrag.itemProps(i)))}
                    data-testid="system-block"
                  >
                    <BlockToolbar
                      label={label}
                      index={i}
                      count={state.system.length}
                      role={b.role}
                      roles={systemRoles}
                      onRole={(role) => setSystem(b.id, { role })}
                      onMove={(to) => update((s) => ({ ...s, system: moveItem(s.system, i, to) }))}
                      onRemove={() => update((s) => ({ ...s, system: s.system.filter((x) => x.id !== b.id) }))}
                      drag={systemDrag}
                      testId={`drag-system-${i}`}
                    />
                    <TemplateEditor value={b.text} onChange={(text) => setSystem(b.id, { text })} label={label} testId={`editor-${location}`} />
                    <div className="mt-1.5">{blockFooter(location, b, (patch) => setSystem(b.id, patch), label)}</div>
                  </li>
                );
              })}
            </ol>
          </Card>

          {/* Messages */}
          <Card className="p-4">
            <div className="mb-2 flex items-center justify-between">
              <h2 className="text-sm font-semibold">Messages</h2>
              <Button
                size="sm"
                variant="ghost"
                onClick={() =>
                  update((s) => ({
                    ...s,
                    turns: [...s.turns, { id: newId("t"), role: s.turns.at(-1)?.role === "user" ? "assistant" : "user", blocks: [{ id: newId("b"), text: "", cache: "off" }] }],
                  }))
                }
                data-testid="add-turn"
              >
                + Turn
              </Button>
            </div>
            <ol className="space-y-3">
              {state.turns.map((t, i) => {
                const label = `Turn ${i + 1}`;
                return (
                  <li key={t.id} {...turnDrag.itemProps(i)} data-drag-item="turn" className={cx("rounded-md border border-border p-2.5", dragItemClass(turnDrag.itemProps(i)))} data-testid="message-turn">
                    <BlockToolbar
                      label={label}
                      index={i}
                      count={state.turns.length}
                      role={t.role}
                      roles={i === state.turns.length - 1 ? turnRolesLast : turnRoles}
                      onRole={(role) => update((s) => ({ ...s, turns: s.turns.map((x) => (x.id === t.id ? { ...x, role } : x)) }))}
                      onMove={(to) => update((s) => ({ ...s, turns: moveItem(s.turns, i, to) }))}
                      onRemove={() => update((s) => ({ ...s, turns: s.turns.filter((x) => x.id !== t.id) }))}
                      drag={turnDrag}
                      testId={`drag-turn-${i}`}
                    >
                      <IconButton label={`Add a block to ${label}`} onClick={() => update((s) => ({ ...s, turns: s.turns.map((x) => (x.id === t.id ? { ...x, blocks: [...x.blocks, { id: newId("b"), text: "", cache: "off" }] } : x)) }))}>
                        +
                      </IconButton>
                    </BlockToolbar>
                    <div className="space-y-2">
                      {t.blocks.map((b, j) => {
                        const location = `messages.${i}.content.${j}`;
                        const blockLabel = t.blocks.length > 1 ? `${label} block ${j + 1}` : `${label} (${t.role})`;
                        return (
                          <div key={b.id} id={`block-messages-${i}-${j}`} tabIndex={-1} className={cx(issueCountAt(location) > 0 && "rounded-md ring-1 ring-danger/50")} data-testid="message-block">
                            {t.blocks.length > 1 ? (
                              <div className="mb-1 flex items-center text-xxs text-fg-muted">
                                block {j + 1}
                                <span className="ml-auto flex">
                                  <IconButton label={`Move ${blockLabel} up`} disabled={j === 0} onClick={() => update((s) => ({ ...s, turns: s.turns.map((x) => (x.id === t.id ? { ...x, blocks: moveItem(x.blocks, j, j - 1) } : x)) }))}>
                                    ↑
                                  </IconButton>
                                  <IconButton label={`Remove ${blockLabel}`} onClick={() => update((s) => ({ ...s, turns: s.turns.map((x) => (x.id === t.id ? { ...x, blocks: x.blocks.filter((y) => y.id !== b.id) } : x)) }))}>
                                    ✕
                                  </IconButton>
                                </span>
                              </div>
                            ) : null}
                            <TemplateEditor value={b.text} onChange={(text) => setTurnBlock(t.id, b.id, { text })} label={blockLabel} testId={`editor-${location}`} />
                            <div className="mt-1.5">{blockFooter(location, b, (patch) => setTurnBlock(t.id, b.id, patch), blockLabel)}</div>
                          </div>
                        );
                      })}
                    </div>
                  </li>
                );
              })}
            </ol>
          </Card>

          {/* Variables */}
          <Card className="p-4" id="section-variables" tabIndex={-1}>
            <div className="mb-2 flex items-center justify-between gap-2">
              <h2 className="text-sm font-semibold">Variables contract</h2>
              <span className="flex gap-1">
                {missing.length > 0 ? (
                  <Button
                    size="sm"
                    onClick={() =>
                      update((s) => ({
                        ...s,
                        variables: [
                          ...s.variables,
                          ...missing.map((name) => ({ id: newId("v"), name, type: "string" as const, required: true, hasDefault: false, defaultText: "", description: "", valuesText: "" })),
                        ],
                      }))
                    }
                    data-testid="add-missing-variables"
                  >
                    Add missing ({missing.join(", ")})
                  </Button>
                ) : null}
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => update((s) => ({ ...s, variables: [...s.variables, { id: newId("v"), name: "", type: "string", required: true, hasDefault: false, defaultText: "", description: "", valuesText: "" }] }))}
                >
                  + Variable
                </Button>
              </span>
            </div>
            {state.variables.length === 0 ? <p className="text-xs text-fg-muted">No variables: the prompt is sent as written.</p> : null}
            {state.variables.length > 0 ? (
              <div className="overflow-x-auto">
                <table className="w-full text-xs" data-testid="variables-table">
                  <thead>
                    <tr className="text-left text-fg-muted">
                      <th className="py-1 pr-2 font-medium">Name</th>
                      <th className="py-1 pr-2 font-medium">Type</th>
                      <th className="py-1 pr-2 font-medium">Required</th>
                      <th className="py-1 pr-2 font-medium">Default</th>
                      <th className="py-1 pr-2 font-medium">Description / enum values</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {state.variables.map((v) => (
                      <tr key={v.id} className="align-top" data-testid="variable-row">
                        <td className="py-1 pr-2">
                          <input aria-label="Variable name" value={v.name} onChange={(e) => setVariable(v.id, { name: e.target.value })} className={cx(inputClass, "h-7 w-36 min-w-32 font-mono text-xs")} />
                        </td>
                        <td className="py-1 pr-2">
                          <select aria-label={`Type of ${v.name}`} value={v.type} onChange={(e) => setVariable(v.id, { type: variableTypeSchema.parse(e.target.value) })} className={cx(inputClass, "h-7 w-24 min-w-24 text-xs")}>
                            {variableTypeSchema.options.map((t) => (
                              <option key={t} value={t}>
                                {t}
                              </option>
                            ))}
                          </select>
                        </td>
                        <td className="py-1 pr-2 text-center">
                          <input type="checkbox" aria-label={`${v.name} is required`} checked={v.required} onChange={(e) => setVariable(v.id, { required: e.target.checked })} className="mt-2" />
                        </td>
                        <td className="py-1 pr-2">
                          <div className="flex items-center gap-1">
                            <input type="checkbox" aria-label={`${v.name} has a default`} checked={v.hasDefault} onChange={(e) => setVariable(v.id, { hasDefault: e.target.checked })} />
                            <input
                              aria-label={`Default of ${v.name}`}
                              disabled={!v.hasDefault}
                              value={v.defaultText}
                              placeholder={v.hasDefault ? "" : "none"}
                              onChange={(e) => setVariable(v.id, { defaultText: e.target.value })}
                              className={cx(inputClass, "h-7 w-28 font-mono text-xs disabled:opacity-50")}
                            />
                          </div>
                        </td>
                        <td className="space-y-1 py-1 pr-2">
                          <input aria-label={`Description of ${v.name}`} value={v.description} placeholder="What the caller passes" onChange={(e) => setVariable(v.id, { description: e.target.value })} className={cx(inputClass, "h-7 text-xs")} />
                          {v.type === "enum" ? (
                            <input aria-label={`Enum values of ${v.name}`} value={v.valuesText} placeholder="a, b, c" onChange={(e) => setVariable(v.id, { valuesText: e.target.value })} className={cx(inputClass, "h-7 font-mono text-xs")} />
                          ) : null}
                        </td>
                        <td className="py-1">
                          <IconButton label={`Remove variable ${v.name}`} onClick={() => update((s) => ({ ...s, variables: s.variables.filter((x) => x.id !== v.id) }))}>
                            ✕
                          </IconButton>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </Card>

          {/* Model config + output */}
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <Card className="space-y-2.5 p-4" id="section-model" tabIndex={-1}>
              <h2 className="text-sm font-semibold">Model</h2>
              <div>
                <label className={smallLabel} htmlFor="cfg-model">
                  Model
                </label>
                <select id="cfg-model" value={state.model} onChange={(e) => update((s) => ({ ...s, model: e.target.value }))} className={inputClass} data-testid="model-select">
                  {!spec ? <option value={state.model}>{state.model || "choose a model"} (unknown)</option> : null}
                  {models.map((m) => (
                    <option key={m.model} value={m.model}>
                      {m.displayName} ({m.model}){m.deprecated ? " — deprecated" : ""}
                    </option>
                  ))}
                </select>
              </div>
              <div className="grid grid-cols-2 gap-2">
                <div>
                  <label className={smallLabel} htmlFor="cfg-max">
                    max_tokens
                  </label>
                  <input id="cfg-max" inputMode="numeric" value={state.maxTokens} onChange={(e) => update((s) => ({ ...s, maxTokens: e.target.value }))} className={cx(inputClass, "font-mono")} />
                </div>
                <div>
                  <label className={smallLabel} htmlFor="cfg-effort">
                    Effort
                  </label>
                  <select id="cfg-effort" value={state.effort} onChange={(e) => update((s) => ({ ...s, effort: e.target.value === "" ? "" : effortSchema.parse(e.target.value) }))} className={inputClass}>
                    <option value="">default</option>
                    {effortSchema.options.map((x) => (
                      <option key={x} value={x}>
                        {x}
                      </option>
                    ))}
                  </select>
                </div>
                <div>
                  <label className={smallLabel} htmlFor="cfg-tier">
                    Service tier
                  </label>
                  <select id="cfg-tier" value={state.serviceTier} onChange={(e) => update((s) => ({ ...s, serviceTier: e.target.value === "" ? "" : serviceTierSchema.parse(e.target.value) }))} className={inputClass}>
                    <option value="">default</option>
                    {serviceTierSchema.options.map((x) => (
                      <option key={x} value={x}>
                        {x}
                      </option>
                    ))}
                  </select>
                </div>
                <div>
                  <label className={smallLabel} htmlFor="cfg-fallback">
                    Fallback model
                  </label>
                  <select id="cfg-fallback" value={state.fallbackModel} onChange={(e) => update((s) => ({ ...s, fallbackModel: e.target.value }))} className={inputClass}>
                    <option value="">none</option>
                    {models.map((m) => (
                      <option key={m.model} value={m.model}>
                        {m.model}
                      </option>
                    ))}
                  </select>
                </div>
              </div>
              <div>
                <label className={smallLabel} htmlFor="cfg-stop">
                  Stop sequences (one per line)
                </label>
                <textarea id="cfg-stop" rows={2} value={state.stopSequences} onChange={(e) => update((s) => ({ ...s, stopSequences: e.target.value }))} className={cx(inputClass, "h-auto py-1 font-mono text-xs")} />
              </div>
              {spec ? (
                <p className="text-xxs text-fg-muted">
                  {spec.displayName}: context {spec.contextWindow.toLocaleString("en")} tokens, max output {spec.maxOutputTokens.toLocaleString("en")}, min cacheable prefix {spec.minCacheableTokens.toLocaleString("en")}.
                </p>
              ) : null}
            </Card>
            <Card className="space-y-2.5 p-4" id="section-output" tabIndex={-1}>
              <h2 className="text-sm font-semibold">Output</h2>
              <div role="radiogroup" aria-label="Output format" className="flex gap-3 text-sm">
                {(["text", "json"] as const).map((f) => (
                  <label key={f} className="flex items-center gap-1.5">
                    <input type="radio" name="output-format" checked={state.outputFormat === f} onChange={() => update((s) => ({ ...s, outputFormat: f, schemaText: f === "json" && !s.schemaText ? '{\n  "type": "object",\n  "properties": {},\n  "required": []\n}' : s.schemaText }))} />
                    {f === "text" ? "Text" : "JSON"}
                  </label>
                ))}
              </div>
              {state.outputFormat === "json" ? (
                <div>
                  <label className={smallLabel} htmlFor="cfg-schema">
                    JSON Schema
                  </label>
                  <textarea id="cfg-schema" rows={9} spellCheck={false} value={state.schemaText} onChange={(e) => update((s) => ({ ...s, schemaText: e.target.value }))} className={cx(inputClass, "h-auto py-1 font-mono text-xs")} data-testid="schema-text" />
                </div>
              ) : (
                <p className="text-xs text-fg-muted">The reply is free text. Choose JSON to validate replies against a JSON Schema (the runner repairs once, then reports invalid output).</p>
              )}
            </Card>
          </div>
        </div>

        {/* Side panel */}
        <div className="space-y-4 xl:sticky xl:top-28 xl:max-h-[calc(100vh-8rem)] xl:self-start xl:overflow-y-auto">
          <Card className="p-3" data-testid="validation-panel">
            <h2 className="mb-1.5 flex items-center gap-2 text-sm font-semibold">
              Validation
              {errorsCount > 0 ? <Badge tone="danger">{errorsCount} error{errorsCount === 1 ? "" : "s"}</Badge> : <Badge tone="success">ready to publish</Badge>}
              {warningCount > 0 ? <Badge tone="warning">{warningCount} warning{warningCount === 1 ? "" : "s"}</Badge> : null}
            </h2>
            {issues.length === 0 ? <p className="text-xs text-fg-muted">No problems: templates match the contract and the cache breakpoints are usable.</p> : null}
            <ul className="space-y-1">
              {issues.map((i, k) => (
                <li key={`${i.path}-${k}`}>
                  <button type="button" onClick={() => jumpTo(i.path)} className={cx("w-full rounded px-1.5 py-1 text-left text-xs hover:bg-muted", i.severity === "error" ? "text-danger" : "text-warning")} data-testid={`issue-${i.severity}`}>
                    <span className="font-mono text-xxs opacity-80">{i.path || "prompt"}</span> {i.message}
                  </button>
                </li>
              ))}
            </ul>
          </Card>

          <Card className="p-3" data-testid="cost-preview">
            <h2 className="mb-1.5 text-sm font-semibold">
              Cost per call <span className="text-xxs font-normal text-fg-muted">(tokens {cost?.tokensEstimated === false ? "counted by the API" : "estimated"}, prices from the model table)</span>
            </h2>
            {cost ? (
              <>
                <dl className="grid grid-cols-2 gap-x-3 gap-y-0.5 text-xs">
                  <dt className="text-fg-muted">Input tokens</dt>
                  <dd className="text-right font-mono" data-testid="cost-input-tokens">
                    {cost.tokensEstimated ? "~" : ""}
                    {cost.inputTokens.toLocaleString("en")}
                  </dd>
                  <dt className="text-fg-muted">Cached prefix</dt>
                  <dd className="text-right font-mono">
                    {cost.tokensEstimated ? "~" : ""}
                    {cost.cachedPrefixTokens.toLocaleString("en")}
                  </dd>
                  <dt className="text-fg-muted">Cold (cache write)</dt>
                  <dd className="text-right font-mono" data-testid="cost-cold">
                    {formatMicros(cost.cold.totalMicros)}
                  </dd>
                  <dt className="text-fg-muted">Warm (cache read)</dt>
                  <dd className="text-right font-mono" data-testid="cost-warm">
                    {formatMicros(cost.warm.totalMicros)}
                  </dd>
                  <dt className="font-medium">Blended at {Math.round(hitRate * 100)}% hits</dt>
                  <dd className="text-right font-mono font-medium" data-testid="cost-blended">
                    {formatMicros(cost.blendedMicros)}
                  </dd>
                  <dt className="text-fg-muted">Without caching</dt>
                  <dd className="text-right font-mono">{formatMicros(cost.uncachedMicros)}</dd>
                </dl>
                <div className="mt-2 grid grid-cols-2 gap-2">
                  <label className="text-xxs text-fg-muted">
                    Cache hit rate {Math.round(hitRate * 100)}%
                    <input type="range" min={0} max={100} value={Math.round(hitRate * 100)} onChange={(e) => setHitRate(Number(e.target.value) / 100)} className="w-full" aria-label="Assumed cache hit rate" />
                  </label>
                  <label className="text-xxs text-fg-muted">
                    Output tokens
                    <input type="number" min={0} value={outputTokens} onChange={(e) => setOutputTokens(Math.max(0, Number(e.target.value) || 0))} className={cx(inputClass, "h-7 font-mono text-xs")} aria-label="Expected output tokens" />
                  </label>
                </div>
              </>
            ) : (
              <p className="text-xs text-fg-muted">Choose a model from the catalog to see prices.</p>
            )}
          </Card>

          <Card className="p-3" data-testid="render-preview">
            <h2 className="mb-1.5 text-sm font-semibold">Rendered request</h2>
            {Object.keys(content.variables).length > 0 ? (
              <div className="mb-2 space-y-1">
                {Object.entries(content.variables).map(([name, def]) => (
                  <label key={name} className="flex items-center gap-2 text-xs">
                    <span className="w-28 shrink-0 truncate font-mono" title={name}>
                      {name}
                      {def.required && def.default === undefined ? <span className="text-danger">*</span> : null}
                    </span>
                    {def.type === "enum" ? (
                      <select value={samples[name] ?? ""} onChange={(e) => setSamples((s) => ({ ...s, [name]: e.target.value }))} className={cx(inputClass, "h-7 text-xs")} aria-label={`Sample value of ${name}`}>
                        <option value="">{def.default !== undefined ? `default (${String(def.default)})` : "—"}</option>
                        {def.values.map((x) => (
                          <option key={x}>{x}</option>
                        ))}
                      </select>
                    ) : (
                      <input
                        value={samples[name] ?? ""}
                        placeholder={def.default !== undefined ? `default: ${typeof def.default === "string" ? def.default : JSON.stringify(def.default)}` : def.type}
                        onChange={(e) => setSamples((s) => ({ ...s, [name]: e.target.value }))}
                        className={cx(inputClass, "h-7 font-mono text-xs")}
                        aria-label={`Sample value of ${name}`}
                      />
                    )}
                  </label>
                ))}
              </div>
            ) : null}
            {rendered.ok ? (
              <pre className="max-h-96 overflow-auto rounded-md border border-border bg-muted/50 p-2 font-mono text-[11px] leading-snug" data-testid="rendered-json">
                {rendered.json}
              </pre>
            ) : (
              <ul className="space-y-0.5 text-xs text-danger" data-testid="render-errors">
                {rendered.issues.map((i, k) => (
                  <li key={k}>
                    <span className="font-mono">{i.path.replace(/^variables\./, "")}</span>: {i.message}
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
    </div>
  );
}
