"use client";

import { useEffect, useRef, useState } from "react";
import type { EditorView } from "@codemirror/view";

/**
 * A CodeMirror 6 editor for one template text (or, with `mode="json"`, a JSON document), loaded lazily on the client ({{variable}}
 * highlighting, undo history; Tab is not captured so keyboard users can move on). Until
 * CodeMirror has loaded, the text shows read-only. The parent owns the text: external changes
 * (e.g. a reload) are pushed into the view.
 */
export function TemplateEditor({
  value,
  onChange,
  label,
  testId,
  mode = "template",
}: {
  value: string;
  onChange: (text: string) => void;
  label: string;
  testId?: string;
  /** "json" for a JSON document (a tool's input_schema): JSON highlighting instead of template tags. */
  mode?: "template" | "json";
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  const latest = useRef(value);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    onChangeRef.current = onChange;
    latest.current = value;
  }, [onChange, value]);

  useEffect(() => {
    let cancelled = false;
    void import("./codemirror-setup").then(({ mountTemplateEditor }) => {
      if (cancelled || !host.current) return;
      view.current = mountTemplateEditor({ parent: host.current, doc: latest.current, label, mode, onChange: (t) => onChangeRef.current(t) });
      setReady(true);
    });
    return () => {
      cancelled = true;
      view.current?.destroy();
      view.current = null;
    };
  }, [label, mode]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  return (
    <div
      className="rounded-md border border-border bg-bg/60 focus-within:border-accent focus-within:ring-2 focus-within:ring-accent/20"
      data-testid={testId}
      data-ready={ready ? "true" : "false"}
    >
      <div ref={host} />
      {!ready ? <pre className="px-2 py-1.5 font-mono text-[12.5px] leading-[1.55] whitespace-pre-wrap text-fg-muted">{value || " "}</pre> : null}
    </div>
  );
}
