#!/usr/bin/env node
// The CommonJS build of the library, for `require("model-service")` (a `pulumi new typescript` project, plain
// Node scripts) and for the component plugin in provider/. Made from the ES module build that `tsc` wrote to
// dist/, so both builds run the same code:
//   dist/cjs/package.json                  {"type": "commonjs"}: Node and TypeScript read every file below as CommonJS
//   dist/cjs/components/**/*.js            each ES module of dist/components turned into a CommonJS module by esbuild
//   dist/cjs/provider/host/**/*.js         the same for the component package's host, which provider/index.js runs
//   dist/cjs/**/*.d.ts                     the same declarations, which TypeScript now reads as CommonJS ones
// The review CLI (dist/review) is ES modules only. `import.meta.url` (packagePaths.ts finds the package root with
// it) becomes this file's own URL.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const distDir = join(root, "dist");
const cjsRoot = join(distDir, "cjs");
/** The folders of dist/ that get a CommonJS twin. */
const libraryDirs = ["components", join("provider", "host")];

/** Files below the library folders of dist/, as paths relative to dist/. */
const libraryFiles = (suffix) =>
  libraryDirs.flatMap((dir) =>
    readdirSync(join(distDir, dir), { recursive: true })
      .map(String)
      .filter((file) => file.endsWith(suffix))
      .map((file) => join(dir, file)),
  );
const modules = libraryFiles(".js");
if (modules.length === 0) {
  throw new Error(`no ES modules in ${distDir}: run tsc -p tsconfig.build.json first`);
}

rmSync(cjsRoot, { recursive: true, force: true });
mkdirSync(cjsRoot, { recursive: true });
writeFileSync(join(cjsRoot, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);

await build({
  entryPoints: modules.map((file) => join(distDir, file)),
  outdir: cjsRoot,
  outbase: distDir,
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
  mkdirSync(dirname(join(cjsRoot, file)), { recursive: true });
  copyFileSync(join(distDir, file), join(cjsRoot, file));
  declarations += 1;
}
console.log(`dist/cjs: ${modules.length} CommonJS modules, ${declarations} declaration files`);
