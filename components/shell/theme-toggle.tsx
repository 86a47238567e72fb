"use client";

import { MoonIcon, SunIcon } from "@/components/icons";
import { setTheme, useTheme } from "@/components/theme";
import { menuItemClass } from "@/components/shell/menu";

/** Menu item that flips between light and dark and remembers the choice. */
export function ThemeMenuItem() {
  const theme = useTheme();
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button type="button" role="menuitem" data-testid="theme-toggle" className={menuItemClass} onClick={() => setTheme(next)}>
      {theme === "dark" ? <SunIcon /> : <MoonIcon />}
      <span>{theme === "dark" ? "Light theme" : "Dark theme"}</span>
    </button>
  );
}

/** Standalone icon button (sign-in and setup pages have no user menu). */
export function ThemeToggleButton() {
  const theme = useTheme();
  return (
    <button
      type="button"
      aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
      data-testid="theme-toggle"
      className="rounded-md p-2 text-fg-muted hover:bg-muted hover:text-fg"
      onClick={() => setTheme(theme === "dark" ? "light" : "dark")}
    >
      {theme === "dark" ? <SunIcon /> : <MoonIcon />}
    </button>
  );
}
