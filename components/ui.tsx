import Link from "next/link";
import type { ComponentProps, ReactNode } from "react";

export function cx(...parts: Array<string | false | null | undefined>): string {
  return parts.filter(Boolean).join(" ");
}

type Variant = "primary" | "secondary" | "ghost" | "danger";

const variantClass: Record<Variant, string> = {
  primary: "bg-accent text-accent-fg hover:bg-accent/90 border-transparent",
  secondary: "bg-surface text-fg hover:bg-muted border-border",
  ghost: "bg-transparent text-fg-muted hover:bg-muted hover:text-fg border-transparent",
  danger: "bg-danger text-white hover:bg-danger/90 border-transparent",
};

export function buttonClass(variant: Variant = "secondary", size: "sm" | "md" = "md"): string {
  return cx(
    "inline-flex items-center justify-center gap-1.5 rounded-md border font-medium whitespace-nowrap transition-colors",
    "disabled:cursor-not-allowed disabled:opacity-60",
    size === "sm" ? "h-7 px-2.5 text-xs" : "h-8 px-3 text-sm",
    variantClass[variant],
  );
}

export function Button({ variant = "secondary", size = "md", className, ...props }: ComponentProps<"button"> & { variant?: Variant; size?: "sm" | "md" }) {
  return <button className={cx(buttonClass(variant, size), className)} {...props} />;
}

export function ButtonLink({
  variant = "secondary",
  size = "md",
  className,
  ...props
}: ComponentProps<typeof Link> & { variant?: Variant; size?: "sm" | "md" }) {
  return <Link className={cx(buttonClass(variant, size), className)} {...props} />;
}

type Tone = "neutral" | "accent" | "success" | "warning" | "danger";
const toneClass: Record<Tone, string> = {
  neutral: "bg-muted text-fg-muted border-border",
  accent: "bg-accent/10 text-accent border-accent/25",
  success: "bg-success/10 text-success border-success/25",
  warning: "bg-warning/10 text-warning border-warning/25",
  danger: "bg-danger/10 text-danger border-danger/25",
};

export function Badge({ tone = "neutral", className, ...props }: ComponentProps<"span"> & { tone?: Tone }) {
  return (
    <span
      className={cx("inline-flex items-center gap-1 rounded border px-1.5 py-px text-xxs font-medium whitespace-nowrap", toneClass[tone], className)}
      {...props}
    />
  );
}

/** Identifiers (scopes, event types) as a wrapping row of monospace badges. */
export function CodeBadges({ items }: { items: readonly string[] }) {
  return (
    <div className="flex max-w-sm flex-wrap gap-1">
      {items.map((item) => (
        <Badge key={item} className="font-mono">
          {item}
        </Badge>
      ))}
    </div>
  );
}

export function Card({ className, ...props }: ComponentProps<"section">) {
  return <section className={cx("rounded-lg border border-border bg-surface", className)} {...props} />;
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-5 flex items-start justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-lg font-semibold tracking-tight">{title}</h1>
        {description ? <p className="mt-0.5 text-sm text-fg-muted">{description}</p> : null}
      </div>
      {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
    </div>
  );
}

export function EmptyState({
  icon,
  title,
  children,
  action,
  testId,
}: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  testId?: string;
}) {
  return (
    <div data-testid={testId} className="flex flex-col items-center rounded-lg border border-dashed border-border bg-surface px-6 py-12 text-center">
      {icon ? <div className="mb-3 flex size-10 items-center justify-center rounded-full bg-muted text-fg-muted">{icon}</div> : null}
      <h2 className="text-sm font-semibold">{title}</h2>
      {children ? <div className="mt-1.5 max-w-lg text-sm text-fg-muted">{children}</div> : null}
      {action ? <div className="mt-4">{action}</div> : null}
    </div>
  );
}

export function Field({ label, name, error, hint, ...input }: ComponentProps<"input"> & { label: string; name: string; error?: string; hint?: string }) {
  const id = input.id ?? `field-${name}`;
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-xs font-medium text-fg">
        {label}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        className={cx(
          "block h-9 w-full rounded-md border bg-surface px-2.5 text-sm text-fg placeholder:text-fg-muted/70",
          "focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none",
          error ? "border-danger" : "border-border",
        )}
        {...input}
      />
      {error ? (
        <p id={`${id}-error`} className="text-xs text-danger">
          {error}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-xs text-fg-muted">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function FormError({ message, testId = "form-error" }: { message?: string | null; testId?: string }) {
  if (!message) return null;
  return (
    <div data-testid={testId} role="status" aria-live="polite" className="rounded-md border border-danger/30 bg-danger/10 px-3 py-2 text-sm text-danger">
      {message}
    </div>
  );
}
