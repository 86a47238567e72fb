"use client";

import { useCallback, useEffect, useRef, useState, useTransition } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { queryKeys } from "@/lib/query-keys";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { Badge, Button, Card, FormError, cx } from "@/components/ui";
import type { EvalItemResult, EvalItemRow } from "./contract";
import { fmtScore } from "./format";
import { withSignIn } from "@/lib/http/signed-out";

export type ReviewVerdict = "correct" | "incorrect" | "skip";
export type RecordReviewAction = ServerAction<InProject<{ resultId: string; verdict: ReviewVerdict; note?: string }>, { ok: true }>;

/** One output to review: an item and one version's result for it. */
export interface ReviewTask {
  row: EvalItemRow;
  result: EvalItemResult;
  display: string;
}

const SHORTCUTS: Array<[string, string]> = [
  ["c", "correct"],
  ["i", "incorrect"],
  ["s", "skip"],
  ["n", "note"],
  ["j", "next"],
  ["k", "previous"],
];

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
}

/**
 * Review, one output at a time: c / i / s record correct, incorrect or skip and move on; n opens
 * the note (Enter saves it with the last verdict, Escape closes it); j / k move without saving.
 * Each verdict is saved through the review action at once (the judge calibration reads them).
 */
export function ReviewQueue({ project, runId, tasks, record }: { project: string; runId: string; tasks: ReviewTask[]; record: RecordReviewAction }) {
  const queryClient = useQueryClient();
  const [index, setIndex] = useState(0);
  const [verdicts, setVerdicts] = useState<Record<string, { verdict: ReviewVerdict; note: string }>>(() =>
    Object.fromEntries(
      tasks.filter((t) => t.result.review).map((t) => [t.result.resultId, { verdict: t.result.review!.verdict, note: t.result.review!.note ?? "" }]),
    ),
  );
  const [noteOpen, setNoteOpen] = useState(false);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const task = tasks[index];
  const done = Object.keys(verdicts).length;

  const save = useCallback(
    (verdict: ReviewVerdict, withNote?: string) => {
      if (!task) return;
      const resultId = task.result.resultId;
      const text = (withNote ?? verdicts[resultId]?.note ?? "").trim();
      setError(null);
      startTransition(async () => {
        const r = await withSignIn(record)({ project, resultId, verdict, ...(text ? { note: text } : {}) });
        if (!r.ok) {
          setError(r.message);
          return;
        }
        setVerdicts((v) => ({ ...v, [resultId]: { verdict, note: text } }));
        setNoteOpen(false);
        setIndex((i) => Math.min(tasks.length - 1, i + 1));
        // Not awaited: the next key works as soon as the verdict is saved.
        void queryClient.invalidateQueries({ queryKey: queryKeys.project(project).evalRun(runId) });
      });
    },
    [task, verdicts, record, project, runId, tasks.length, queryClient],
  );

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.metaKey || e.ctrlKey || e.altKey || isTyping(e.target) || pending) return;
      const k = e.key.toLowerCase();
      if (k === "c") save("correct");
      else if (k === "i") save("incorrect");
      else if (k === "s") save("skip");
      else if (k === "j") setIndex((i) => Math.min(tasks.length - 1, i + 1));
      else if (k === "k") setIndex((i) => Math.max(0, i - 1));
      else if (k === "n") {
        setNote(task ? (verdicts[task.result.resultId]?.note ?? "") : "");
        setNoteOpen(true);
        setTimeout(() => noteRef.current?.focus(), 0);
      } else return;
      e.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [save, tasks.length, pending, task, verdicts]);

  if (!task) {
    return (
      <Card className="p-6 text-center text-sm text-fg-muted" data-testid="review-empty">
        Nothing to review in this run.
      </Card>
    );
  }
  const current = verdicts[task.result.resultId];
  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_16rem]">
      <Card className="space-y-3 p-4" data-testid="review-item" data-result={task.result.resultId}>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <span className="font-medium" data-testid="review-position">
            {index + 1} of {tasks.length}
          </span>
          <span className="font-mono text-xs text-fg-muted">
            item #{task.row.ordinal + 1} · {task.display}
          </span>
          {current ? (
            <Badge tone={current.verdict === "correct" ? "success" : current.verdict === "incorrect" ? "danger" : "neutral"} data-testid="review-current">
              {current.verdict}
            </Badge>
          ) : (
            <Badge>not reviewed</Badge>
          )}
          <span className="ml-auto text-xs text-fg-muted" data-testid="review-done">
            {done} reviewed
          </span>
        </div>
        <div className="grid gap-3 md:grid-cols-2">
          <div>
            <p className="mb-1 text-xs font-medium text-fg-muted">Input</p>
            <pre className="max-h-64 overflow-auto rounded-md bg-muted/50 p-2 font-mono text-xs whitespace-pre-wrap">
              {JSON.stringify(task.row.variables, null, 2)}
            </pre>
          </div>
          <div>
            <p className="mb-1 text-xs font-medium text-fg-muted">Expected</p>
            <pre className="max-h-64 overflow-auto rounded-md bg-muted/50 p-2 font-mono text-xs whitespace-pre-wrap">
              {task.row.expected === null || task.row.expected === undefined
                ? "none"
                : typeof task.row.expected === "string"
                  ? task.row.expected
                  : JSON.stringify(task.row.expected, null, 2)}
            </pre>
          </div>
        </div>
        <div>
          <p className="mb-1 text-xs font-medium text-fg-muted">Output</p>
          <pre className="max-h-80 overflow-auto rounded-md border border-border p-2 font-mono text-xs whitespace-pre-wrap" data-testid="review-output">
            {task.result.output ?? task.result.error ?? ""}
          </pre>
        </div>
        <ul className="space-y-1 text-xs">
          {Object.entries(task.result.scores).map(([id, s]) => (
            <li key={id}>
              <span className="font-mono">{id}</span>{" "}
              {s.pass === null ? <Badge>no score</Badge> : <Badge tone={s.pass ? "success" : "danger"}>{s.pass ? "pass" : "fail"}</Badge>}{" "}
              <span className="tabular-nums">{fmtScore(s.score)}</span>
              {s.reason ? <span className="text-fg-muted"> — {s.reason}</span> : null}
            </li>
          ))}
        </ul>
        {noteOpen ? (
          <div className="space-y-1">
            <label htmlFor="review-note" className="block text-xs font-medium">
              Note (Enter saves with {current?.verdict ?? "skip"}, Escape closes)
            </label>
            <textarea
              id="review-note"
              ref={noteRef}
              rows={2}
              maxLength={2000}
              value={note}
              onChange={(e) => setNote(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Escape") setNoteOpen(false);
                if (e.key === "Enter" && !e.shiftKey) {
                  e.preventDefault();
                  save(current?.verdict ?? "skip", note);
                }
              }}
              className="block w-full rounded-md border border-border bg-surface p-2 text-sm focus:border-accent focus:outline-none"
              data-testid="review-note"
            />
          </div>
        ) : null}
        <FormError message={error} testId="review-error" />
        <div className="flex flex-wrap gap-2">
          <Button variant="primary" onClick={() => save("correct")} disabled={pending} data-testid="review-correct">
            Correct <kbd className="opacity-70">c</kbd>
          </Button>
          <Button variant="danger" onClick={() => save("incorrect")} disabled={pending} data-testid="review-incorrect">
            Incorrect <kbd className="opacity-70">i</kbd>
          </Button>
          <Button onClick={() => save("skip")} disabled={pending} data-testid="review-skip">
            Skip <kbd className="opacity-70">s</kbd>
          </Button>
          <Button variant="ghost" onClick={() => setIndex((i) => Math.max(0, i - 1))} disabled={index === 0}>
            Previous <kbd className="opacity-70">k</kbd>
          </Button>
          <Button variant="ghost" onClick={() => setIndex((i) => Math.min(tasks.length - 1, i + 1))} disabled={index >= tasks.length - 1}>
            Next <kbd className="opacity-70">j</kbd>
          </Button>
        </div>
      </Card>
      <Card className="h-fit p-4 text-sm" data-testid="review-shortcuts">
        <h2 className="mb-2 text-sm font-semibold">Keyboard</h2>
        <ul className="space-y-1">
          {SHORTCUTS.map(([key, what]) => (
            <li key={key} className="flex items-center gap-2">
              <kbd className={cx("inline-flex size-6 items-center justify-center rounded border border-border bg-muted font-mono text-xs")}>{key}</kbd>
              {what}
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
