"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";
import { Button } from "@/components/ui";

/** Signs out and goes to /signin (navigates itself: see UserMenu for why). */
export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      type="button"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void signOut({ redirect: false }).then(() => window.location.assign("/signin"));
      }}
    >
      {busy ? "Signing out…" : "Sign out"}
    </Button>
  );
}
