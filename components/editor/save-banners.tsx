"use client";

import { Button } from "@/components/ui";
import type { SaveStatus } from "./save-state";
import { describeLocation } from "@/lib/prompts/locations";
import { signInRedirectPath } from "@/lib/http/signed-out";

/**
 * The notes above the editor: a conflict (someone else saved the draft; nothing was overwritten,
 * reload), a failed save with the server's issues, and, while there is no draft, what the editor
 * started from.
 */
export function SaveBanners({ status, basedOn }: { status: SaveStatus; basedOn: string | null }) {
  return (
    <>
      {status.kind === "conflict" ? (
        <div
          className="mb-4 flex items-center gap-3 rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger"
          data-testid="conflict-banner"
          role="status"
        >
          <span>
            <strong>Someone else saved this draft</strong> after you opened it, so your changes were not saved (nothing was overwritten). {status.message}. Copy
            anything you want to keep, then reload.
          </span>
          <Button size="sm" variant="danger" className="ml-auto" onClick={() => window.location.reload()} data-testid="conflict-reload">
            Reload
          </Button>
        </div>
      ) : null}
      {status.kind === "error" ? (
        <div className="mb-4 rounded-md border border-danger/30 bg-danger/10 px-3 py-2 text-sm text-danger" data-testid="save-error" role="status">
          {status.message}
          {status.signedOut ? (
            <>
              {" "}
              <a
                className="font-medium underline"
                href={signInRedirectPath(`${window.location.pathname}${window.location.search}`)}
                target="_blank"
                rel="noopener"
                data-testid="save-sign-in"
              >
                Sign in in a new tab
              </a>
              : your edits stay here and are saved with your next change.
            </>
          ) : null}
          {status.issues?.length ? (
            <ul className="mt-1 list-disc pl-5 text-xs">
              {status.issues.map((i, k) => (
                <li key={k}>
                  <span title={i.path}>{describeLocation(i.path)}</span>: {i.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {basedOn ? (
        <div className="mb-4 rounded-md border border-border bg-surface px-3 py-2 text-xs text-fg-muted" data-testid="based-on">
          {basedOn === "starter"
            ? "This prompt has no draft: you are editing the starter template."
            : `Published versions are frozen: you are editing a new draft based on v${basedOn}.`}{" "}
          The draft is created with your first change.
        </div>
      ) : null}
    </>
  );
}
