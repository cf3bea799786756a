// Builds dist/ (`npm run build`) unless dist/.content-hash says it was built from the same content, then prints
// that content's hash on stdout. Run it through scripts/lib/ensure-built, which holds the build lock around it.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Everything the build reads or the package ships. */
const INPUTS = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/build-cjs.mjs",
  "index.ts",
  "components",
  "provider",
  "review",
  "policy",
  "api",
  "nginx",
  "README.md",
];
const IGNORED = /(^|\/)(node_modules|__pycache__|\.pytest_cache)(\/|$)|\.pyc$/;

function inputFiles(path) {
  const absolute = join(root, path);
  if (!existsSync(absolute) || IGNORED.test(path)) return [];
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute)
    .sort()
    .flatMap((entry) => inputFiles(join(path, entry)));
}

const hash = createHash("sha256");
for (const file of INPUTS.flatMap(inputFiles)) {
  hash.update(`${file}\0`).update(readFileSync(join(root, file))).update("\0");
}
const contentHash = hash.digest("hex").slice(0, 16);
const stamp = join(root, "dist", ".content-hash");
if (existsSync(stamp) && readFileSync(stamp, "utf8") === contentHash) {
  console.error(`dist/ is built from this content (${contentHash})`);
} else {
  console.error(`building dist/ (npm run build) for content ${contentHash}`);
  execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", process.stderr, "inherit"] });
  writeFileSync(stamp, contentHash);
}
console.log(contentHash);
