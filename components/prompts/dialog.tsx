"use client";

import { useEffect, useRef, type ReactNode } from "react";

/**
 * A modal on the native <dialog> element: focus is trapped by the browser, Escape closes it,
 * the backdrop dims the page.
 */
export function Dialog({
  open,
  onClose,
  title,
  children,
  testId,
  wide,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  testId?: string;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      onCancel={onClose}
      aria-label={title}
      data-testid={testId}
      className={`m-auto w-full ${wide ? "max-w-2xl" : "max-w-md"} rounded-lg border border-border bg-surface p-0 text-fg shadow-xl backdrop:bg-black/40`}
    >
      {open ? (
        <div className="flex max-h-[85vh] flex-col">
          <div className="flex items-center justify-between border-b border-border px-4 py-3">
            <h2 className="text-sm font-semibold">{title}</h2>
            <button type="button" onClick={onClose} className="rounded px-1.5 text-fg-muted hover:bg-muted hover:text-fg" aria-label="Close">
              ×
            </button>
          </div>
          <div className="overflow-y-auto px-4 py-3">{children}</div>
        </div>
      ) : null}
    </dialog>
  );
}
