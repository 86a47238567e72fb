import { EditorState } from "@codemirror/state";
import { Decoration, EditorView, MatchDecorator, ViewPlugin, drawSelection, keymap, placeholder, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching } from "@codemirror/language";

// Loaded on demand by template-editor.tsx, so CodeMirror stays out of the first page load.

const tagClass: Record<string, string> = {
  "#": "cm-template-section",
  "^": "cm-template-section",
  "/": "cm-template-section",
  ">": "cm-template-include",
};
const variableMatcher = new MatchDecorator({
  // Same syntax as lib/prompts/templates.ts ({{name}}) and sections.ts ({{#name}}, {{^name}},
  // {{/name}}, {{> snippet@label}}); an escaped tag (\{{...}}) is not highlighted.
  regexp: /(?<!\\)\{\{[ \t]*([#^/>]?)[ \t]*[a-zA-Z0-9_][a-zA-Z0-9_./@-]*[ \t]*\}\}/g,
  decoration: (match) => Decoration.mark({ class: tagClass[match[1] ?? ""] ?? "cm-template-variable" }),
});

/** Highlights {{variable}} placeholders, section tags and snippet includes. */
const variableHighlight = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = variableMatcher.createDeco(view);
    }
    update(update: ViewUpdate) {
      this.decorations = variableMatcher.updateDeco(update, this.decorations);
    }
  },
  { decorations: (v) => v.decorations },
);

const theme = EditorView.theme({
  "&": { fontSize: "12.5px", backgroundColor: "transparent", color: "rgb(var(--fg))" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", padding: "6px 0", caretColor: "rgb(var(--fg))" },
  ".cm-line": { padding: "0 8px" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { lineHeight: "1.55", maxHeight: "420px", overflow: "auto" },
  ".cm-selectionBackground, &.cm-focused .cm-selectionBackground, ::selection": { backgroundColor: "rgb(var(--accent) / 0.25) !important" },
  ".cm-cursor": { borderLeftColor: "rgb(var(--fg))" },
  ".cm-placeholder": { color: "rgb(var(--fg-muted))" },
  ".cm-template-variable": {
    color: "rgb(var(--accent))",
    backgroundColor: "rgb(var(--accent) / 0.12)",
    borderRadius: "3px",
    fontWeight: "600",
  },
  ".cm-template-section": {
    color: "rgb(var(--warning))",
    backgroundColor: "rgb(var(--warning) / 0.12)",
    borderRadius: "3px",
    fontWeight: "600",
  },
  ".cm-template-include": {
    color: "rgb(var(--success))",
    backgroundColor: "rgb(var(--success) / 0.12)",
    borderRadius: "3px",
    fontWeight: "600",
  },
});

// JSON (a tool's input_schema): object keys and string values told apart; no JSON language package needed.
const jsonMatcher = new MatchDecorator({
  regexp: /"(?:[^"\\\n]|\\.)*"(\s*:)?/g,
  decoration: (match) => Decoration.mark({ class: match[1] ? "cm-json-key" : "cm-json-string" }),
});
const jsonHighlight = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = jsonMatcher.createDeco(view);
    }
    update(update: ViewUpdate) {
      this.decorations = jsonMatcher.updateDeco(update, this.decorations);
    }
  },
  { decorations: (v) => v.decorations },
);
const jsonTheme = EditorView.theme({
  ".cm-json-key": { color: "rgb(var(--accent))" },
  ".cm-json-string": { color: "rgb(var(--success))" },
});

export interface MountOptions {
  parent: HTMLElement;
  doc: string;
  label: string;
  placeholderText?: string;
  /** "template" (default): {{variable}}, section and include tags highlighted; "json": JSON keys and strings. */
  mode?: "template" | "json";
  onChange: (text: string) => void;
}

/** Creates a CodeMirror view for one template block (or a JSON document, `mode: "json"`). */
export function mountTemplateEditor(options: MountOptions): EditorView {
  const json = options.mode === "json";
  return new EditorView({
    parent: options.parent,
    state: EditorState.create({
      doc: options.doc,
      extensions: [
        history(),
        drawSelection(),
        bracketMatching(),
        keymap.of([...defaultKeymap, ...historyKeymap]),
        EditorView.lineWrapping,
        placeholder(
          options.placeholderText ??
            (json ? '{ "type": "object", "properties": { ... } }' : "Write the text; use {{variable}} for values filled in per request"),
        ),
        EditorView.contentAttributes.of({ "aria-label": options.label, "aria-multiline": "true", ...(json ? { spellcheck: "false" } : {}) }),
        json ? [jsonHighlight, jsonTheme] : variableHighlight,
        theme,
        EditorView.updateListener.of((u) => {
          if (u.docChanged) options.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
}
