"use client";

import Link from "next/link";
import { signOut } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { SignOutIcon, UserIcon } from "@/components/icons";
import { Menu, menuItemClass } from "@/components/shell/menu";
import { ThemeMenuItem } from "@/components/shell/theme-toggle";
import { Badge } from "@/components/ui";

function initials(name: string | null, email: string): string {
  const source = name?.trim() || email;
  const parts = source.split(/[\s@._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "?") + (parts[1]?.[0] ?? "")).toUpperCase();
}

/** Avatar menu: who is signed in, their role here, theme switch and sign-out. */
export function UserMenu({ name, email, role }: { name: string | null; email: string; role: string }) {
  const [signingOut, setSigningOut] = useState(false);
  const router = useRouter();

  async function handleSignOut() {
    setSigningOut(true);
    // redirect: false, then navigate ourselves: next-auth's redirect URL is built from
    // NEXTAUTH_URL and would point at the wrong host when that is unset.
    await signOut({ redirect: false });
    router.replace("/signin");
    router.refresh();
  }

  return (
    <Menu
      label="User menu"
      testId="user-menu"
      align="right"
      trigger={
        <span className="flex size-7 items-center justify-center rounded-full bg-accent/15 text-xs font-semibold text-accent">{initials(name, email)}</span>
      }
    >
      <div className="border-b border-border px-2 pt-1.5 pb-2">
        <div className="flex items-center justify-between gap-2">
          <span className="truncate text-sm font-medium" data-testid="user-name">
            {name ?? email}
          </span>
          <Badge tone={role === "ADMIN" ? "accent" : "neutral"} data-testid="user-role">
            {role.charAt(0) + role.slice(1).toLowerCase()}
          </Badge>
        </div>
        <div className="truncate text-xs text-fg-muted" data-testid="user-email">
          {email}
        </div>
      </div>
      <div className="pt-1">
        <Link href="/account" role="menuitem" className={menuItemClass} data-testid="account-link">
          <UserIcon />
          Account
        </Link>
        <ThemeMenuItem />
        <button type="button" role="menuitem" className={menuItemClass} disabled={signingOut} onClick={() => void handleSignOut()}>
          <SignOutIcon />
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
      </div>
    </Menu>
  );
}
