#!/usr/bin/env node
// The CommonJS build of the library, for `require("model-service")` (a `pulumi new typescript` project, plain
// Node scripts) and for the component plugin in provider/. Made from the ES module build that `tsc` wrote to
// dist/components, so both builds run the same code:
//   dist/cjs/package.json          {"type": "commonjs"}: Node and TypeScript read every file below as CommonJS
//   dist/cjs/components/**/*.js    each ES module of dist/components (its runtime folders too, not review/, the
//                                  ES-module-only CLI) turned into a CommonJS module by esbuild
//   dist/cjs/components/**/*.d.ts  the same declarations, which TypeScript now reads as CommonJS ones
// `import.meta.url` (packagePaths.ts finds the package root with it) becomes this file's own URL.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const esmDir = join(root, "dist", "components");
const cjsRoot = join(root, "dist", "cjs");
const cjsDir = join(cjsRoot, "components");

/** Files below dist/components, as paths relative to it, without the review CLI's folder. */
const libraryFiles = (suffix) =>
  readdirSync(esmDir, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith(suffix) && !file.startsWith("review/"));
const modules = libraryFiles(".js");
if (modules.length === 0) {
  throw new Error(`no ES modules in ${esmDir}: run tsc -p tsconfig.build.json first`);
}

rmSync(cjsRoot, { recursive: true, force: true });
mkdirSync(cjsDir, { recursive: true });
writeFileSync(join(cjsRoot, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);

await build({
  entryPoints: modules.map((file) => join(esmDir, file)),
  outdir: cjsDir,
  outbase: esmDir,
  format: "cjs",
  platform: "node",
  target: "node20",
  bundle: false,
  sourcemap: false,
  logLevel: "warning",
  define: { "import.meta.url": "__moduleUrl" },
  banner: { js: 'const __moduleUrl = require("node:url").pathToFileURL(__filename).href;' },
});

let declarations = 0;
for (const file of libraryFiles(".d.ts")) {
  mkdirSync(dirname(join(cjsDir, file)), { recursive: true });
  copyFileSync(join(esmDir, file), join(cjsDir, file));
  declarations += 1;
}
console.log(`dist/cjs: ${modules.length} CommonJS modules, ${declarations} declaration files`);
