/**
 * shellcheck on every shell script of the project: the scripts the package ships (the commands' scripts, the proxy
 * image's nginx/bin, the api image's healthcheck) and the project's own (scripts/, bench/, .ci/). Scripts are found,
 * not listed: any `.sh` file or file with a bash/sh shebang below those folders, so a new script is checked too.
 * SC1090/SC1091 (a `source` of a path computed at run time) are left out: every sourced file is checked itself.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FOLDERS = ["components", "nginx", "api", "scripts", "bench", ".ci"];
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".state", "__pycache__", "results"]);
const SHEBANG = /^#!\s*\/(?:usr\/)?bin\/(?:env\s+)?(?:bash|sh)\b/;

function shellScripts(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = join(dir, entry);
    if (statSync(file).isDirectory()) {
      return SKIPPED_DIRS.has(entry) ? [] : shellScripts(file);
    }
    return entry.endsWith(".sh") || SHEBANG.test(readFileSync(file, "utf8").slice(0, 64)) ? [relative(ROOT, file)] : [];
  });
}

const scripts = FOLDERS.flatMap((folder) => shellScripts(join(ROOT, folder))).sort();

describe("shell scripts", () => {
  it("are found where the package ships them and where the project keeps its own", () => {
    for (const shipped of [
      "components/commands/canaryGate.sh",
      "components/commands/proxyConfig.sh",
      "components/commands/registryCleanup.sh",
      "components/commands/smokeTest.sh",
      "components/commands/tlsFiles.sh",
      "nginx/bin/nginx-apply-config",
      "nginx/bin/nginx-drop-candidate",
      "nginx/bin/nginx-entrypoint",
      "nginx/bin/nginx-reload",
      "api/healthcheck",
      "scripts/setup",
      "scripts/lib/env.sh",
      ".ci/run",
    ]) {
      expect(scripts).toContain(shipped);
    }
  });

  it("pass shellcheck", () => {
    let output = "";
    try {
      execFileSync("shellcheck", ["--exclude=SC1090,SC1091", "--format=gcc", ...scripts], { cwd: ROOT, encoding: "utf8" });
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string; message: string };
      output = failure.stdout || failure.stderr || failure.message;
    }
    expect(output, `shellcheck found problems in ${scripts.length} scripts`).toBe("");
  });
});
