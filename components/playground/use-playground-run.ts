"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { ErrorIssue } from "@/lib/errors";
import { readNdjson } from "@/lib/playground/ndjson";
import type { PlaygroundErrorBody, PlaygroundEvent, PlaygroundFacts, PlaygroundRunRequest } from "@/lib/playground/schemas";

/** One pane's run as the UI sees it while it streams and after it ends. */
export interface RunState {
  phase: "idle" | "running" | "done" | "failed";
  versionLabel: string | null;
  /** The text streamed so far (reset when the runner starts another attempt). */
  text: string;
  /** Attempts started so far (live, before the facts arrive). */
  attempts: Array<{ index: number; model: string; kind: string }>;
  ignoredVariables: string[];
  facts: PlaygroundFacts | null;
  /** The run was refused (bad variables, no permission...) or the stream broke. */
  error: { message: string; issues: ErrorIssue[] } | null;
}

export const IDLE_RUN: RunState = {
  phase: "idle",
  versionLabel: null,
  text: "",
  attempts: [],
  ignoredVariables: [],
  facts: null,
  error: null,
};

function isEvent(value: unknown): value is PlaygroundEvent {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

async function errorFromResponse(res: Response): Promise<{ message: string; issues: ErrorIssue[] }> {
  try {
    const body = (await res.json()) as Partial<PlaygroundErrorBody>;
    if (body.error) return { message: body.error.message, issues: body.error.issues ?? [] };
  } catch {
    /* not JSON: fall through */
  }
  return { message: `The run was refused (HTTP ${res.status})`, issues: [] };
}

/**
 * Runs one version through the playground endpoint and follows its NDJSON event stream.
 * `start` resolves when the run has ended (or was refused); `stop` aborts the request, which
 * aborts the Claude call on the server (the aborted call is still logged).
 */
export function usePlaygroundRun(runUrl: string) {
  const [state, setState] = useState<RunState>(IDLE_RUN);
  const controllerRef = useRef<AbortController | null>(null);

  useEffect(() => () => controllerRef.current?.abort(), []);

  const start = useCallback(
    /** Resolves when the run has ended: `accepted` false when the server refused it (bad input, no permission), with the refusal. */
    async (body: PlaygroundRunRequest): Promise<{ accepted: boolean; error: RunState["error"] }> => {
      controllerRef.current?.abort();
      const controller = new AbortController();
      controllerRef.current = controller;
      setState({ ...IDLE_RUN, phase: "running" });
      const fail = (error: { message: string; issues: ErrorIssue[] }) => {
        setState((s) => ({ ...s, phase: "failed", error }));
        return { accepted: true, error };
      };
      try {
        const res = await fetch(runUrl, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/x-ndjson" },
          body: JSON.stringify(body),
          signal: controller.signal,
        });
        if (!res.ok || !res.body) {
          const error = await errorFromResponse(res);
          fail(error);
          return { accepted: false, error };
        }
        let ended = false;
        for await (const value of readNdjson(res.body)) {
          if (!isEvent(value)) continue;
          switch (value.type) {
            case "start":
              setState((s) => ({ ...s, versionLabel: value.versionLabel, ignoredVariables: value.ignoredVariables }));
              break;
            case "attempt":
              setState((s) => ({ ...s, text: "", attempts: [...s.attempts, { index: value.index, model: value.model, kind: value.kind }] }));
              break;
            case "text":
              setState((s) => ({ ...s, text: s.text + value.delta }));
              break;
            case "done":
              ended = true;
              setState((s) => ({ ...s, phase: "done", facts: value.facts, text: value.facts.output }));
              break;
            case "error":
              ended = true;
              setState((s) => ({ ...s, phase: "failed", error: { message: value.error.message, issues: value.error.issues ?? [] } }));
              break;
          }
        }
        if (!ended) return fail({ message: "The connection closed before the run finished.", issues: [] });
        return { accepted: true, error: null };
      } catch (error) {
        if (controller.signal.aborted) return fail({ message: "Stopped.", issues: [] });
        return fail({ message: error instanceof Error ? error.message : "The run failed.", issues: [] });
      } finally {
        if (controllerRef.current === controller) controllerRef.current = null;
      }
    },
    [runUrl],
  );

  const stop = useCallback(() => controllerRef.current?.abort(), []);
  const reset = useCallback(() => setState(IDLE_RUN), []);
  /** Puts back a state (a refused continuation leaves the previous round's answer on screen). */
  const restore = useCallback((previous: RunState) => setState(previous), []);

  return { state, start, stop, reset, restore };
}
