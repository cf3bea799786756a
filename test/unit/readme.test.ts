/**
 * Every command the README shows still works as written: the scripts it runs exist and are executable, the npm
 * scripts are in package.json, the stack-config keys it sets are ModelService settings (or the docker provider's),
 * the paths it names exist, and no command starts with a tool this list does not know. The README stays a guide:
 * at most 300 lines.
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MODEL_SERVICE_FIELDS } from "../../components/settings/fields.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; bin: Record<string, string> };

/** Tools a reader runs as they are; what they do is not this package's to check. */
const OTHER_TOOLS = new Set(["cd", "curl", "docker", "git", "openssl", "export", "cat", "ls", "go", "python3", "pip", "echo", "wrk", "sudo"]);
const PULUMI_COMMANDS = new Set(["up", "preview", "destroy", "stack", "config", "package", "new", "login", "refresh", "plugin", "install", "policy"]);

/** The shell commands of the README's bash/sh/console/shell blocks, continuation lines joined, comments left out. */
function readmeCommands(): string[] {
  const commands: string[] = [];
  for (const block of README.matchAll(/```(?:bash|sh|shell|console)\n([\s\S]*?)```/g)) {
    const joined = block[1].replace(/\\\n\s*/g, " ");
    for (const raw of joined.split("\n")) {
      const line = raw.replace(/^\$\s+/, "").trim();
      if (line !== "" && !line.startsWith("#")) {
        commands.push(line.replace(/\s+#.*$/, ""));
      }
    }
  }
  return commands;
}

/** The problem with one simple command (no `&&`, `|` or `;`), or undefined when it is fine. */
function problem(command: string): string | undefined {
  const words = command.split(/\s+/).filter((word) => !/^[A-Z_][A-Z0-9_]*=/.test(word)); // VAR=value prefixes
  const [tool, ...args] = words;
  if (tool === undefined) {
    return undefined;
  }
  if (/^(?:\.\/)?scripts\//.test(tool) || tool === ".ci/run") {
    const file = join(ROOT, tool.replace(/^\.\//, ""));
    try {
      accessSync(file, constants.X_OK);
      return undefined;
    } catch {
      return `${tool} is not an executable file of the repository`;
    }
  }
  if (tool === "npm") {
    if (args[0] === "test" || args[0] === "ci" || args[0] === "install" || args[0] === "i" || args[0] === "pack") {
      return undefined;
    }
    const script = args.filter((arg) => !arg.startsWith("-"))[1];
    return args[0] === "run" && script !== undefined && PACKAGE.scripts[script] !== undefined ? undefined : `no npm script in: ${command}`;
  }
  if (tool === "npx") {
    const bin = args.find((arg) => !arg.startsWith("-"));
    return bin !== undefined && (PACKAGE.bin[bin] !== undefined || bin === "tsc" || bin === "vitest") ? undefined : `unknown npx command: ${command}`;
  }
  if (Object.hasOwn(PACKAGE.bin, tool)) {
    return undefined;
  }
  if (tool === "pulumi") {
    if (!PULUMI_COMMANDS.has(args[0] ?? "")) {
      return `unknown pulumi command: ${command}`;
    }
    if (args[0] === "config" && args[1] === "set") {
      const key = args.slice(2).find((arg) => !arg.startsWith("-"))?.replace(/^['"]|['"]$/g, "");
      if (key === undefined) {
        return `pulumi config set without a key: ${command}`;
      }
      const [namespace, name] = key.includes(":") ? key.split(":", 2) : ["model-service", key];
      const field = name.split(/[.[]/)[0];
      if (namespace === "model-service" && !Object.hasOwn(MODEL_SERVICE_FIELDS, field)) {
        return `${key} is not a ModelService setting`;
      }
      if (namespace !== "model-service" && namespace !== "docker") {
        return `${key}: config of an unknown namespace`;
      }
    }
    return undefined;
  }
  if (tool === "source" || tool === "." || tool === "cp") {
    const file = args.find((arg) => !arg.startsWith("-"));
    return file !== undefined && existsSync(join(ROOT, file)) ? undefined : `${tool} of a file the repository does not have: ${command}`;
  }
  if (OTHER_TOOLS.has(tool)) {
    if (tool === "cd" && args[0] !== undefined && !args[0].startsWith("-") && !args[0].includes("$") && !args[0].startsWith("my-")) {
      return existsSync(join(ROOT, args[0])) ? undefined : `cd into a folder the repository does not have: ${args[0]}`;
    }
    return undefined;
  }
  return `a command this test does not know (add it to OTHER_TOOLS if it is another tool): ${command}`;
}

describe("README.md", () => {
  const commands = readmeCommands();

  it("shows commands, among them the two that deploy the default model and run every test", () => {
    expect(commands).toContain("scripts/deploy");
    expect(commands).toContain("npm test");
  });

  it.each(commands)("%s works as written", (command) => {
    const problems = command
      .split(/\s*(?:&&|\|\||;|\|)\s*/)
      .map(problem)
      .filter((found): found is string => found !== undefined);
    expect(problems).toEqual([]);
  });

  it("links paths that exist", () => {
    const links = [...README.matchAll(/\]\(((?!https?:|#)[^)#\s]+)/g)].map((match) => match[1]);
    expect(links.filter((link) => !existsSync(join(ROOT, link)))).toEqual([]);
  });

  it("is a guide of at most 300 lines", () => {
    expect(README.split("\n").length).toBeLessThanOrEqual(300);
  });
});
