import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { ThemeScript } from "@/components/theme-script";
import { getEnv } from "@/lib/env";
import "./globals.css";

const DESCRIPTION = "Prompt management for applications that run on Claude";

// The static assets in public/ (favicon.ico, icon.svg, apple-touch-icon.png, og-image.png; the
// raster ones drawn by scripts/brand-assets.ts). Absolute social-image URLs need the site's origin:
// NEXTAUTH_URL, which the launchers set.
export function generateMetadata(): Metadata {
  const env = getEnv();
  return {
    metadataBase: new URL(env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`),
    title: { default: "Promptdeck", template: "%s · Promptdeck" },
    description: DESCRIPTION,
    applicationName: "Promptdeck",
    icons: {
      icon: [
        { url: "/favicon.ico", sizes: "16x16 32x32 48x48" },
        { url: "/icon.svg", type: "image/svg+xml" },
      ],
      apple: { url: "/apple-touch-icon.png", sizes: "180x180" },
    },
    openGraph: {
      type: "website",
      siteName: "Promptdeck",
      title: "Promptdeck",
      description: DESCRIPTION,
      images: [{ url: "/og-image.png", width: 1200, height: 630, alt: "Promptdeck: prompt management for applications that run on Claude" }],
    },
    twitter: { card: "summary_large_image", title: "Promptdeck", description: DESCRIPTION, images: ["/og-image.png"] },
  };
}

export const viewport: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f6f7f9" },
    { media: "(prefers-color-scheme: dark)", color: "#0c0e13" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The theme script sets class/style on <html> before hydration.
    <html lang="en" suppressHydrationWarning>
      <head>
        <ThemeScript />
      </head>
      <body className="min-h-screen font-sans">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
