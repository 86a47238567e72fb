"use client";

import { useState, useTransition } from "react";
import Link from "next/link";
import { Button } from "@/components/ui";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import type { SkippedCall } from "@/lib/datasets/from-calls";
import { withSignIn } from "@/lib/http/signed-out";

export type AddCallsToDatasetAction = ServerAction<
  InProject<{ callIds: string[]; dataset?: string; newDataset?: string }>,
  { dataset: string; version: number; added: number; skipped: SkippedCall[] }
>;

// Dataset names start with a letter or digit, so this cannot collide with one.
const NEW = "__new__";

/** "Add to dataset" for the selected calls: their variables, and their output as expected when marked correct. */
export function AddToDataset({
  project,
  datasets,
  selected,
  add,
  onDone,
}: {
  project: string;
  datasets: string[];
  selected: string[];
  add: AddCallsToDatasetAction;
  onDone: () => void;
}) {
  const [target, setTarget] = useState(datasets[0] ?? NEW);
  const [newName, setNewName] = useState("");
  const [message, setMessage] = useState<{ tone: "ok" | "error"; text: string; link?: string } | null>(null);
  const [pending, startTransition] = useTransition();

  function submit() {
    setMessage(null);
    startTransition(async () => {
      const result = await withSignIn(add)({ project, callIds: selected, ...(target === NEW ? { newDataset: newName.trim() } : { dataset: target }) });
      if (!result.ok) {
        setMessage({ tone: "error", text: result.issues?.[0] ? `${result.message}: ${result.issues[0].message}` : result.message });
        return;
      }
      const { dataset, added, skipped, version } = result.data;
      const skippedText = skipped.length > 0 ? `; skipped ${skipped.length} (${skipped[0]!.reason})` : "";
      setMessage({
        tone: "ok",
        text: `Added ${added} call${added === 1 ? "" : "s"} to ${dataset} (version ${version})${skippedText}.`,
        link: `/p/${project}/datasets/${encodeURIComponent(dataset)}`,
      });
      onDone();
    });
  }

  return (
    <div className="flex flex-wrap items-center gap-2 rounded-lg border border-border bg-surface px-3 py-2 text-xs" data-testid="add-to-dataset">
      <span className="text-fg-muted">{selected.length === 0 ? "Select calls to add them to a dataset." : `${selected.length} selected`}</span>
      {selected.length > 0 ? (
        <>
          <select
            className="h-8 rounded-md border border-border bg-surface px-2 text-sm"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            data-testid="add-to-dataset-target"
          >
            {datasets.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
            <option value={NEW}>New dataset…</option>
          </select>
          {target === NEW ? (
            <input
              className="h-8 w-40 rounded-md border border-border bg-surface px-2 text-sm"
              placeholder="dataset name"
              value={newName}
              onChange={(e) => setNewName(e.target.value)}
              data-testid="add-to-dataset-name"
            />
          ) : null}
          <Button size="sm" variant="primary" onClick={submit} disabled={pending || (target === NEW && !newName.trim())} data-testid="add-to-dataset-submit">
            {pending ? "Adding…" : "Add to dataset"}
          </Button>
        </>
      ) : null}
      {message ? (
        <span className={message.tone === "ok" ? "text-success" : "text-danger"} data-testid="add-to-dataset-message">
          {message.text}{" "}
          {message.link ? (
            <Link className="text-accent hover:underline" href={message.link}>
              Open
            </Link>
          ) : null}
        </span>
      ) : null}
    </div>
  );
}
