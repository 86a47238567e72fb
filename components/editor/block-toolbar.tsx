"use client";

import type { ReactNode } from "react";

/** A small text button with its accessible name as a tooltip (toolbar actions). */
export function IconButton({ label, onClick, disabled, children }: { label: string; onClick: () => void; disabled?: boolean; children: string }) {
  return (
    <button type="button" aria-label={label} title={label} disabled={disabled} onClick={onClick} className="rounded px-1.5 py-0.5 text-xs text-fg-muted hover:bg-muted hover:text-fg disabled:opacity-30">
      {children}
    </button>
  );
}

/**
 * The header of a system block or a message turn: label, role select, optional
 * extra actions, then move up / move down (for keyboard users) and remove.
 */
export function BlockToolbar<R extends string>({
  label,
  index,
  count,
  role,
  roles,
  onRole,
  onMove,
  onRemove,
  children,
}: {
  label: string;
  index: number;
  count: number;
  role: R;
  roles: readonly { value: R; label: string }[];
  onRole: (role: R) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
  /** Extra actions shown before the move buttons. */
  children?: ReactNode;
}) {
  return (
    <div className="mb-1.5 flex items-center gap-2">
      <span className="text-xs font-medium">{label}</span>
      <select
        aria-label={`Role of ${label}`}
        value={role}
        onChange={(e) => {
          const next = roles.find((r) => r.value === e.target.value);
          if (next) onRole(next.value);
        }}
        className="h-6 rounded border border-border bg-surface px-1 text-xs"
      >
        {roles.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </select>
      <span className="ml-auto flex">
        {children}
        <IconButton label={`Move ${label} up`} disabled={index === 0} onClick={() => onMove(index - 1)}>
          ↑
        </IconButton>
        <IconButton label={`Move ${label} down`} disabled={index === count - 1} onClick={() => onMove(index + 1)}>
          ↓
        </IconButton>
        <IconButton label={`Remove ${label}`} onClick={onRemove}>
          ✕
        </IconButton>
      </span>
    </div>
  );
}
