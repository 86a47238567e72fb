"use client";

import { useEffect } from "react";

/**
 * The editor's window-level keys and guards: Ctrl+S / Cmd+S saves now (instead of the browser's
 * "save page"), and leaving the page with unsaved changes (`unsaved`) asks first.
 */
export function useEditorShortcuts({ save, unsaved }: { save: () => Promise<unknown>; unsaved: boolean }): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key === "s") {
        e.preventDefault();
        void save();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [save]);

  useEffect(() => {
    const onLeave = (e: BeforeUnloadEvent) => {
      if (unsaved) e.preventDefault();
    };
    window.addEventListener("beforeunload", onLeave);
    return () => window.removeEventListener("beforeunload", onLeave);
  }, [unsaved]);
}
