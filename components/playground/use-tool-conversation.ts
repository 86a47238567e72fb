"use client";

import { useCallback, useState } from "react";
import { toolResultTurn, type PlaygroundRunRequest, type ToolResultInput } from "@/lib/playground/schemas";
import type { ToolRound } from "@/components/playground/tool-calls";
import type { RunState, usePlaygroundRun } from "@/components/playground/use-playground-run";

type Turn = NonNullable<PlaygroundRunRequest["continuation"]>[number];
type Pane = ReturnType<typeof usePlaygroundRun>;

interface Conversation {
  /** The first run's request (version, variables): every round sends it again. */
  base: Pick<PlaygroundRunRequest, "versionId" | "variables"> | null;
  /** Turns the server accepted after the rendered ones. */
  continuation: Turn[];
  rounds: ToolRound[];
  /** The server refused the last results (they stay typed in the form). */
  refused: RunState["error"];
}

const EMPTY: Conversation = { base: null, continuation: [], rounds: [], refused: null };

/**
 * A pane's tool conversation: `begin` starts a fresh one with a first run; `reply` sends the
 * answer's tool calls back with the typed results (the assistant turn, then a user turn of
 * tool_result blocks) and runs the next round. A refused reply (422) puts the previous round's
 * answer back on screen with the refusal under the form.
 */
export function useToolConversation(pane: Pane) {
  const [conversation, setConversation] = useState<Conversation>(EMPTY);

  const begin = useCallback(
    (request: PlaygroundRunRequest) => {
      setConversation({ ...EMPTY, base: { versionId: request.versionId, variables: request.variables ?? {} } });
      void pane.start(request);
    },
    [pane],
  );

  const reply = useCallback(
    async (results: ToolResultInput[]) => {
      const before = pane.state;
      const facts = before.facts;
      if (!facts || !conversation.base) return;
      const previous = conversation;
      const sent: Turn[] = [...conversation.continuation, { role: "assistant", content: facts.content }];
      setConversation({ ...conversation, rounds: [...conversation.rounds, { facts, results }], refused: null });
      const outcome = await pane.start({ ...conversation.base, continuation: sent, toolResults: results });
      if (!outcome.accepted) {
        setConversation({ ...previous, refused: outcome.error });
        pane.restore(before);
        return;
      }
      setConversation((c) => ({ ...c, continuation: [...sent, toolResultTurn(results)] }));
    },
    [pane, conversation],
  );

  const clear = useCallback(() => setConversation(EMPTY), []);

  const facts = pane.state.facts;
  /** The answer called tools and nothing went wrong: the user can reply with results. */
  const canReply = pane.state.phase === "done" && facts !== null && facts.status === "ok" && facts.toolCalls.length > 0 && conversation.base !== null;

  return { rounds: conversation.rounds, refused: conversation.refused, canReply, begin, reply, clear };
}
