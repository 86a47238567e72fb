"use client";

import { useState, type DragEvent, type ReactNode } from "react";
import { cx } from "@/components/ui";

/** A small text button with its accessible name as a tooltip (toolbar actions). */
export function IconButton({ label, onClick, disabled, children }: { label: string; onClick: () => void; disabled?: boolean; children: string }) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      disabled={disabled}
      onClick={onClick}
      className="rounded px-1.5 py-0.5 text-xs text-fg-muted hover:bg-muted hover:text-fg disabled:opacity-30"
    >
      {children}
    </button>
  );
}

export interface DragReorder {
  /** Props for the drag handle of item `index` (the only draggable part: the text editor keeps its own text drag and drop). */
  handleProps: (index: number) => {
    draggable: true;
    onDragStart: (e: DragEvent<HTMLElement>) => void;
    onDragEnd: () => void;
  };
  /** Props for the drop target of item `index` (the whole item). */
  itemProps: (index: number) => {
    onDragOver: (e: DragEvent<HTMLElement>) => void;
    onDrop: (e: DragEvent<HTMLElement>) => void;
    "data-drop-target": "true" | undefined;
    "data-dragging": "true" | undefined;
  };
}

/**
 * Native HTML5 drag and drop to reorder one list. The payload travels under a list-specific
 * MIME type, so a system block cannot be dropped among message turns (or into a CodeMirror
 * editor as text), and dropping item `from` on item `to` calls `onMove(from, to)`.
 */
export function useDragReorder(list: string, onMove: (from: number, to: number) => void): DragReorder {
  const mime = `application/x-promptdeck-${list}`;
  const [drag, setDrag] = useState<{ from: number; over: number | null } | null>(null);
  return {
    handleProps: (index) => ({
      draggable: true,
      onDragStart: (e) => {
        e.dataTransfer.setData(mime, String(index));
        e.dataTransfer.effectAllowed = "move";
        const item = e.currentTarget.closest<HTMLElement>("[data-drag-item]");
        if (item) e.dataTransfer.setDragImage(item, 12, 12);
        setDrag({ from: index, over: null });
      },
      onDragEnd: () => setDrag(null),
    }),
    itemProps: (index) => ({
      onDragOver: (e) => {
        if (!e.dataTransfer.types.includes(mime)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "move";
        if (drag && drag.over !== index) setDrag({ ...drag, over: index });
      },
      onDrop: (e) => {
        const raw = e.dataTransfer.getData(mime);
        if (raw === "") return;
        e.preventDefault();
        setDrag(null);
        const from = Number(raw);
        if (Number.isInteger(from) && from !== index) onMove(from, index);
      },
      "data-drop-target": drag && drag.over === index && drag.from !== index ? "true" : undefined,
      "data-dragging": drag?.from === index ? "true" : undefined,
    }),
  };
}

/**
 * The header of a system block, a message turn or a tool: drag handle, label, role select (when given), optional
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
  drag,
  testId,
  children,
}: {
  label: string;
  index: number;
  count: number;
  /** The role select (system blocks, turns); tools have none. */
  role?: R;
  roles?: readonly { value: R; label: string }[];
  onRole?: (role: R) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
  drag?: DragReorder;
  /** data-testid of the drag handle. */
  testId?: string;
  /** Extra actions shown before the move buttons. */
  children?: ReactNode;
}) {
  return (
    <div className="mb-1.5 flex items-center gap-2">
      {drag ? (
        <span
          {...drag.handleProps(index)}
          className="cursor-grab rounded px-0.5 text-sm leading-none text-fg-muted select-none hover:bg-muted hover:text-fg active:cursor-grabbing"
          title={`Drag to reorder ${label} (or use the arrows)`}
          aria-hidden="true"
          data-testid={testId}
        >
          ⠿
        </span>
      ) : null}
      <span className="text-xs font-medium">{label}</span>
      {roles && role !== undefined ? (
        <select
          aria-label={`Role of ${label}`}
          value={role}
          onChange={(e) => {
            const next = roles.find((r) => r.value === e.target.value);
            if (next) onRole?.(next.value);
          }}
          className="h-6 rounded border border-border bg-surface px-1 text-xs"
        >
          {roles.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      ) : null}
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

/** Classes for a draggable list item: highlights the drop target while dragging. */
export function dragItemClass(props: { "data-drop-target": "true" | undefined; "data-dragging": "true" | undefined }): string {
  return cx(props["data-drop-target"] && "ring-2 ring-accent/60", props["data-dragging"] && "opacity-50");
}
