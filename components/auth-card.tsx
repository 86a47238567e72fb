import type { ReactNode } from "react";
import { LogoMark } from "@/components/icons";
import { ThemeToggleButton } from "@/components/shell/theme-toggle";

/** Centered card for the signed-out pages (sign-in, first-run setup). */
export function AuthCard({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <main className="relative flex min-h-screen items-center justify-center px-4 py-10">
      <div className="absolute top-3 right-3">
        <ThemeToggleButton />
      </div>
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2">
          <LogoMark width={28} height={28} />
          <span className="text-base font-semibold tracking-tight">Promptdeck</span>
        </div>
        <div className="rounded-xl border border-border bg-surface p-6 shadow-sm">
          <h1 className="text-base font-semibold">{title}</h1>
          {subtitle ? <p className="mt-1 text-sm text-fg-muted">{subtitle}</p> : null}
          <div className="mt-5">{children}</div>
        </div>
      </div>
    </main>
  );
}
