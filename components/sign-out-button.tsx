"use client";

import { signOut } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui";

/** Signs out and goes to /signin (navigates itself: see UserMenu for why). */
export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  const router = useRouter();
  return (
    <Button
      type="button"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void signOut({ redirect: false }).then(() => {
          router.replace("/signin");
          router.refresh();
        });
      }}
    >
      {busy ? "Signing out…" : "Sign out"}
    </Button>
  );
}
