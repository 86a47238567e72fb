// `npm run client:types`: regenerates lib/client/api-types.ts from the OpenAPI document.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { generateClientTypes } from "@/lib/client/generate-types";

const out = path.resolve(import.meta.dirname, "..", "lib", "client", "api-types.ts");
writeFileSync(out, await generateClientTypes());
console.log(`wrote ${path.relative(process.cwd(), out)}`);
