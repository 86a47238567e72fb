"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Badge, Button, Card, FormError } from "@/components/ui";
import type { ColumnTarget, ImportPreview, RowError } from "@/lib/datasets/import";

/** The head of the file sent for the preview: enough for 20 rows of most files. */
const PREVIEW_BYTES = 256 * 1024;

type TargetKind = ColumnTarget["kind"];

function targetOf(kind: TargetKind, column: string, previous?: ColumnTarget): ColumnTarget {
  switch (kind) {
    case "variable":
      return { kind, name: previous && "name" in previous ? previous.name : column };
    case "metadata":
      return { kind, name: previous && "name" in previous ? previous.name : column };
    case "expected":
      return { kind, as: "text" };
    default:
      return { kind } as ColumnTarget;
  }
}

function formatOf(file: File): "csv" | "jsonl" {
  return /\.(jsonl|ndjson|json)$/i.test(file.name) ? "jsonl" : "csv";
}

/** Upload -> preview (first rows, detected columns, suggested mapping) -> import with row errors shown. */
export function ImportClient({ project, dataset, prompts }: { project: string; dataset: { name: string; itemCount: number }; prompts: string[] }) {
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<"csv" | "jsonl">("csv");
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mapping, setMapping] = useState<Record<string, ColumnTarget>>({});
  const [prompt, setPrompt] = useState("");
  const [mode, setMode] = useState<"append" | "replace">("append");
  const [error, setError] = useState<string | null>(null);
  const [rowErrors, setRowErrors] = useState<RowError[]>([]);
  const [busy, setBusy] = useState<"preview" | "import" | null>(null);
  const url = (params: Record<string, string>) => `/p/${project}/datasets/${encodeURIComponent(dataset.name)}/import/upload?${new URLSearchParams(params)}`;

  async function choose(next: File | null) {
    setFile(next);
    setPreview(null);
    setRowErrors([]);
    setError(null);
    if (!next) return;
    const detected = formatOf(next);
    setFormat(detected);
    await loadPreview(next, detected);
  }

  async function loadPreview(target: File, fmt: "csv" | "jsonl") {
    setBusy("preview");
    try {
      const truncated = target.size > PREVIEW_BYTES;
      const res = await fetch(url({ phase: "preview", format: fmt, truncated: truncated ? "1" : "0" }), {
        method: "POST",
        body: target.slice(0, PREVIEW_BYTES),
      });
      const body = (await res.json()) as ImportPreview & { error?: { message: string } };
      if (!res.ok) {
        setError(body.error?.message ?? `HTTP ${res.status}`);
        return;
      }
      setPreview(body);
      setMapping(Object.fromEntries(body.columns.map((c) => [c.name, c.suggested])));
    } finally {
      setBusy(null);
    }
  }

  async function runImport() {
    if (!file) return;
    setBusy("import");
    setError(null);
    setRowErrors([]);
    try {
      const params: Record<string, string> = { phase: "import", format, mode, fileName: file.name };
      if (preview && !preview.structured) params.mapping = JSON.stringify(mapping);
      if (prompt) params.prompt = prompt;
      const res = await fetch(url(params), { method: "POST", body: file });
      const body = (await res.json()) as { version?: number; added?: number; error?: { message: string; rowErrors?: RowError[] } };
      if (!res.ok) {
        setError(body.error?.message ?? `HTTP ${res.status}`);
        setRowErrors(body.error?.rowErrors ?? []);
        return;
      }
      router.push(`/p/${project}/datasets/${encodeURIComponent(dataset.name)}?version=${body.version}`);
      router.refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : "The upload failed");
    } finally {
      setBusy(null);
    }
  }

  const selectClass = "h-8 rounded-md border border-border bg-surface px-2 text-sm text-fg";
  return (
    <div className="space-y-4">
      <Card className="space-y-3 p-4">
        <label className="block text-sm font-medium">
          File
          <input
            type="file"
            accept=".csv,.jsonl,.ndjson,.json,text/csv"
            className="mt-1 block text-sm"
            data-testid="import-file"
            onChange={(e) => void choose(e.target.files?.[0] ?? null)}
          />
        </label>
        {file ? (
          <div className="flex flex-wrap items-center gap-3 text-xs">
            <span>
              {file.name} · {(file.size / 1024).toFixed(0)} KB
            </span>
            <label className="flex items-center gap-1">
              Format
              <select
                className={selectClass}
                value={format}
                onChange={(e) => {
                  const next = e.target.value as "csv" | "jsonl";
                  setFormat(next);
                  void loadPreview(file, next);
                }}
              >
                <option value="csv">CSV</option>
                <option value="jsonl">JSONL</option>
              </select>
            </label>
            <label className="flex items-center gap-1">
              Check against prompt
              <select className={selectClass} value={prompt} onChange={(e) => setPrompt(e.target.value)} data-testid="import-prompt">
                <option value="">none</option>
                {prompts.map((p) => (
                  <option key={p}>{p}</option>
                ))}
              </select>
            </label>
            {dataset.itemCount > 0 ? (
              <label className="flex items-center gap-1">
                Mode
                <select className={selectClass} value={mode} onChange={(e) => setMode(e.target.value as "append" | "replace")} data-testid="import-mode">
                  <option value="append">add to the {dataset.itemCount.toLocaleString("en-US")} items</option>
                  <option value="replace">replace all items</option>
                </select>
              </label>
            ) : null}
          </div>
        ) : null}
        {busy === "preview" ? <p className="text-xs text-fg-muted">Reading the file…</p> : null}
      </Card>

      {preview ? (
        <Card className="space-y-3 p-4" data-testid="import-preview">
          <h2 className="text-sm font-semibold">Preview · first {preview.rows.length} rows</h2>
          {preview.structured ? (
            <p className="text-xs text-fg-muted">
              Lines are items already ({"{"}&quot;variables&quot;: …{"}"}): no mapping needed.
            </p>
          ) : (
            <div className="overflow-x-auto">
              <table className="text-xs" data-testid="import-mapping">
                <thead className="text-left text-fg-muted">
                  <tr>
                    <th className="px-2 py-1 font-medium">Column</th>
                    <th className="px-2 py-1 font-medium">Goes to</th>
                    <th className="px-2 py-1 font-medium">Name</th>
                    <th className="px-2 py-1 font-medium">Samples</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.columns.map((c) => {
                    const target = mapping[c.name] ?? c.suggested;
                    return (
                      <tr key={c.name} className="border-t border-border">
                        <td className="px-2 py-1 font-mono">{c.name}</td>
                        <td className="px-2 py-1">
                          <select
                            className={selectClass}
                            value={target.kind}
                            aria-label={`Target of ${c.name}`}
                            data-testid={`map-${c.name}`}
                            onChange={(e) => setMapping({ ...mapping, [c.name]: targetOf(e.target.value as TargetKind, c.name, target) })}
                          >
                            <option value="variable">variable</option>
                            <option value="expected">expected output</option>
                            <option value="metadata">metadata</option>
                            <option value="tags">tags</option>
                            <option value="key">key</option>
                            <option value="ignore">ignore</option>
                          </select>
                        </td>
                        <td className="px-2 py-1">
                          {target.kind === "variable" || target.kind === "metadata" ? (
                            <input
                              className="h-8 w-36 rounded-md border border-border bg-surface px-2 font-mono"
                              value={target.name}
                              onChange={(e) => setMapping({ ...mapping, [c.name]: { ...target, name: e.target.value } })}
                            />
                          ) : target.kind === "expected" ? (
                            <select
                              className={selectClass}
                              value={target.as}
                              onChange={(e) => setMapping({ ...mapping, [c.name]: { kind: "expected", as: e.target.value as "text" | "json" } })}
                            >
                              <option value="text">as text</option>
                              <option value="json">as JSON</option>
                            </select>
                          ) : null}
                        </td>
                        <td className="max-w-xs truncate px-2 py-1 text-fg-muted">{c.samples.join(" · ")}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {preview.errors.length > 0 ? (
            <ul className="space-y-1 text-xs text-danger">
              {preview.errors.map((e, i) => (
                <li key={i}>
                  Row {e.row}
                  {e.column ? `, column "${e.column}"` : ""}: {e.message}
                </li>
              ))}
            </ul>
          ) : null}
          <Button variant="primary" onClick={() => void runImport()} disabled={busy !== null} data-testid="import-run">
            {busy === "import" ? "Importing…" : "Import all rows"}
          </Button>
        </Card>
      ) : null}

      <FormError message={error} testId="import-error" />
      {rowErrors.length > 0 ? (
        <Card className="p-4" data-testid="import-row-errors">
          <h2 className="mb-2 text-sm font-semibold">
            <Badge tone="danger">nothing imported</Badge> Fix these rows and upload again
          </h2>
          <table className="text-xs">
            <thead className="text-left text-fg-muted">
              <tr>
                <th className="px-2 py-1 font-medium">Row</th>
                <th className="px-2 py-1 font-medium">Column</th>
                <th className="px-2 py-1 font-medium">Problem</th>
              </tr>
            </thead>
            <tbody>
              {rowErrors.map((e, i) => (
                <tr key={i} className="border-t border-border" data-testid="import-row-error">
                  <td className="px-2 py-1 tabular-nums">{e.row}</td>
                  <td className="px-2 py-1 font-mono">{e.column ?? "–"}</td>
                  <td className="px-2 py-1">{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
    </div>
  );
}
