// npx tsx scripts/brand-assets.ts: draws the raster brand assets in public/ from public/icon.svg
// and public/logo.svg with Chromium (CHROMIUM_PATH or /usr/bin/chromium; nothing is downloaded):
// favicon.ico (16, 32 and 48 px PNGs in an ICO container), apple-touch-icon.png (180 px) and
// og-image.png (1200x630, the social image of app/layout.tsx's metadata). The outputs are
// committed; run this again after changing the SVGs or the card below.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import { PROJECT_ROOT } from "@/lib/db/migrate";

const PUBLIC_DIR = path.join(PROJECT_ROOT, "public");
const icon = readFileSync(path.join(PUBLIC_DIR, "icon.svg"), "utf8");
const logo = readFileSync(path.join(PUBLIC_DIR, "logo.svg"), "utf8");

const dataUrl = (svg: string) => `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;

/** An ICO file holding PNG images (supported by every browser since IE Vista-era). */
function icoFromPngs(images: Array<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0); // width
    entry.writeUInt8(size >= 256 ? 0 : size, 1); // height
    entry.writeUInt8(0, 2); // palette colours
    entry.writeUInt8(0, 3); // reserved
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(entry);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

const OG_HTML = `<!doctype html>
<html><head><style>
  * { box-sizing: border-box; margin: 0; }
  body { width: 1200px; height: 630px; overflow: hidden; font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
    background: radial-gradient(circle at 85% 10%, #312e81 0%, rgba(49,46,129,0) 45%), #0c0e13; color: #f4f5f8; }
  .wrap { padding: 84px 96px; height: 100%; display: flex; flex-direction: column; }
  .brand { display: flex; align-items: center; gap: 26px; }
  .brand img { width: 104px; height: 104px; }
  .brand span { font-size: 76px; font-weight: 700; letter-spacing: -2px; }
  .tagline { margin-top: 44px; font-size: 40px; line-height: 1.3; color: #c7c9d9; max-width: 900px; }
  .chips { margin-top: auto; display: flex; flex-wrap: wrap; gap: 12px; }
  .chips span { font-size: 22px; padding: 9px 18px; border-radius: 999px; border: 2px solid #3b3f6b; color: #dfe1f5; background: #151832; }
</style></head><body><div class="wrap">
  <div class="brand"><img src="${dataUrl(logo)}" alt=""><span>Promptdeck</span></div>
  <p class="tagline">Prompt management for applications that run on Claude</p>
  <div class="chips"><span>Versioned prompts</span><span>Labels &amp; rollback</span><span>A/B experiments</span><span>Cost &amp; latency</span></div>
</div></body></html>`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--headless"] });
try {
  const page = await browser.newPage();
  /** The SVG drawn at `size` px on a transparent background. */
  const renderSquare = async (svg: string, size: number): Promise<Buffer> => {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img src="${dataUrl(svg)}" width="${size}" height="${size}" style="display:block"></body></html>`,
    );
    await page.locator("img").evaluate((img: HTMLImageElement) => img.decode());
    return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
  };

  const sizes: Array<{ size: number; png: Buffer }> = [];
  for (const size of [16, 32, 48]) sizes.push({ size, png: await renderSquare(icon, size) });
  const ico = icoFromPngs(sizes);
  writeFileSync(path.join(PUBLIC_DIR, "favicon.ico"), ico);
  // Opaque and square: iOS rounds the corners itself.
  writeFileSync(path.join(PUBLIC_DIR, "apple-touch-icon.png"), await renderSquare(logo.replace('rx="7"', 'rx="0"'), 180));

  await page.setViewportSize({ width: 1200, height: 630 });
  await page.setContent(OG_HTML);
  await page.locator(".brand img").evaluate((img: HTMLImageElement) => img.decode());
  writeFileSync(path.join(PUBLIC_DIR, "og-image.png"), await page.screenshot({ clip: { x: 0, y: 0, width: 1200, height: 630 } }));
  console.log("public/favicon.ico, public/apple-touch-icon.png, public/og-image.png written");
} finally {
  await browser.close();
}
