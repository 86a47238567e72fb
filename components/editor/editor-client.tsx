"use client";

import { useMemo } from "react";
import { useRouter } from "next/navigation";
import { promptPath } from "@/lib/prompts/paths";
import { findModel, type ModelSpec } from "@/lib/models/catalog";
import { analyzeCache } from "@/lib/prompts/cache";
import { checkContract } from "@/lib/prompts/contract";
import type { ErrorIssue } from "@/lib/errors";
import type { PromptVersionContent, SnippetPin } from "@/lib/prompts/schemas";
import { CostPreview } from "./cost-preview";
import { EditorHeader } from "./editor-header";
import { cacheFigures, collectIssues, errorAnchors, newId } from "./editor-model";
import { MessagesSection } from "./messages-section";
import { ModelSection } from "./model-section";
import { OutputSection } from "./output-section";
import { RenderPreview } from "./render-preview";
import { RoutingSection, type RoutingWhatIfAction } from "./routing-section";
import { SaveBanners } from "./save-banners";
import { describeSave, shownSaveStatus } from "./save-state";
import { SystemBlocksSection } from "./system-blocks-section";
import { ToolsSection } from "./tools-section";
import { useEditorShortcuts } from "./use-editor-shortcuts";
import { useEditorState, type SaveDraftAction } from "./use-editor-state";
import { useTokenCount, type CountTokensAction } from "./use-token-count";
import { useIncludes, type ResolveIncludesAction } from "./use-includes";
import { ValidationPanel } from "./validation-panel";
import { VariablesSection } from "./variables-section";

export type { SaveDraftAction } from "./use-editor-state";
export type { CountTokensAction } from "./use-token-count";
export type { RoutingWhatIfAction } from "./routing-section";

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
  /** The route's server actions (the page passes them: components never import app/). */
  saveDraft: SaveDraftAction;
  countTokens: CountTokensAction;
  /** Prices candidate routing rules over the prompt's logged calls. */
  routingWhatIf: RoutingWhatIfAction;
  /**
   * The snippet includes of the content the editor opened with, resolved now (publishing pins
   * them again): the preview and the contract check use them; problems are shown as errors.
   */
  includes?: { pins: SnippetPin[]; issues: ErrorIssue[] };
  /** Resolves the includes again when the templates change (a new include previews without a reload). */
  resolveIncludes?: ResolveIncludesAction;
}

/**
 * The draft editor: tools (a JSON editor per input_schema, tool_choice), chat histories among the turns, blocks in CodeMirror with cache toggles and running cached-prefix token
 * estimates, the variables contract, model config, output format, live validation (lib/prompts
 * parse, contract and cache checks), cost preview and rendered preview, autosave with optimistic
 * locking (a conflict stops saving and asks for a reload), and publishing. State and saving live
 * in useEditorState, token counts in useTokenCount; this component derives the checks and lays
 * out the sections.
 */
export function EditorClient(props: EditorClientProps) {
  const { project, promptId, promptName, models } = props;
  const router = useRouter();
  const editor = useEditorState(props);
  const { doc, dispatch, content, acknowledged, save, dirty, saveNow } = editor;
  const tokens = useTokenCount({ project, promptId, content, savable: editor.wellFormed, available: props.tokenCounting, countTokens: props.countTokens });
  useEditorShortcuts({ save: saveNow, unsaved: dirty && !editor.conflicted });

  // ---- derived: every check, all from lib/prompts ----
  // Snippet includes as publishing would pin them now (their variables join the contract).
  const includes = useIncludes({
    project,
    promptId,
    content,
    wellFormed: editor.wellFormed,
    initialContent: props.initialContent,
    initial: props.includes,
    resolve: props.resolveIncludes,
  });
  const pinned = useMemo(() => ({ ...content, snippets: includes.pins }), [content, includes]);
  const contract = useMemo(() => checkContract(pinned), [pinned]);
  const cache = useMemo(
    () => analyzeCache(pinned, { catalog: models, counted: tokens.counted, acknowledgedVariableBreakpoints: acknowledged }),
    [pinned, models, tokens.counted, acknowledged],
  );
  const issues = useMemo(
    () => collectIssues({ form: [...editor.formIssues, ...includes.issues], shape: editor.shapeIssues, contract, cache }),
    [editor.formIssues, editor.shapeIssues, contract, cache, includes],
  );
  const figures = useMemo(() => cacheFigures(cache), [cache]);
  const anchors = useMemo(() => errorAnchors(issues), [issues]);
  // Tool definitions lead the cached prefix: their tokens, for the cost preview.
  const toolTokens = useMemo(() => cache.blocks.filter((b) => b.location.startsWith("tools.")).reduce((n, b) => n + b.tokens, 0), [cache]);
  const spec = findModel(doc.model, models);
  const bar = describeSave(save, { dirty, invalid: dirty && !editor.savable });
  // Every placeholder the contract lacks becomes a required string variable, in order of first use.
  const declareAll = () => dispatch({ type: "addVariables", variables: contract.undeclared.map((name) => ({ id: newId("v"), name })) });
  // The playground runs what is saved: save first (also when no draft exists yet), stay here if that fails.
  async function openInPlayground() {
    if ((dirty || save.lockVersion < 0) && !(await saveNow())) return;
    router.push(`${promptPath(project, promptName, "playground")}?version=draft`);
  }

  return (
    <div>
      <EditorHeader
        project={project}
        promptId={promptId}
        promptName={promptName}
        labels={props.labels}
        isAdmin={props.isAdmin}
        bar={bar}
        onSave={() => void saveNow()}
        onOpenPlayground={() => void openInPlayground()}
        beforePublish={async () => (dirty ? saveNow() : true)}
      />
      <SaveBanners status={shownSaveStatus(save.status, dirty)} basedOn={save.basedOn} />

      <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,1fr)_360px]">
        <div className="min-w-0 space-y-4">
          <ToolsSection doc={doc} figures={figures} issues={issues} errorAnchors={anchors} dispatch={dispatch} />
          <SystemBlocksSection blocks={doc.system} tokenSource={tokens.source} figures={figures} errorAnchors={anchors} dispatch={dispatch} />
          <MessagesSection
            turns={doc.turns}
            figures={figures}
            errorAnchors={anchors}
            dispatch={dispatch}
            variables={doc.variables}
            content={content}
            spec={spec}
            issues={issues}
          />
          <VariablesSection variables={doc.variables} undeclared={contract.undeclared} dispatch={dispatch} />
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <ModelSection doc={doc} spec={spec} models={models} dispatch={dispatch} />
            <OutputSection outputFormat={doc.outputFormat} schemaText={doc.schemaText} dispatch={dispatch} />
          </div>
          <RoutingSection
            project={project}
            promptId={promptId}
            rules={doc.routing}
            defaultModel={doc.model}
            models={models}
            variables={doc.variables.map((v) => v.name.trim()).filter(Boolean)}
            issues={issues}
            dispatch={dispatch}
            whatIf={props.routingWhatIf}
            evalHref={`/p/${encodeURIComponent(project)}/evals/new?${new URLSearchParams({ prompt: promptName, versions: "draft", routing: "compare" })}`}
          />
        </div>

        {/* Side panel */}
        <div className="space-y-4 xl:sticky xl:top-28 xl:max-h-[calc(100vh-8rem)] xl:self-start xl:overflow-y-auto">
          <ValidationPanel issues={issues} content={content} undeclared={contract.undeclared} onDeclareAll={declareAll} />
          <CostPreview content={content} spec={spec} counted={tokens.counted} toolTokens={toolTokens} toolCount={doc.tools.length} />
          <RenderPreview content={pinned} models={models} />
        </div>
      </div>
    </div>
  );
}
