/**
 * README.md is the user's guide: every command it shows must work as written. These checks read each shell
 * command of its `bash` blocks and its inline code, and hold it to the repository: scripts that exist and are
 * executable, npm scripts and bins of package.json, stacks that have a Pulumi.<stack>.yaml, stack config keys
 * that the stack config parser accepts, the component package that `pulumi package add` names. They also check
 * the ModelService settings of the YAML and TypeScript examples, every local link, and the length.
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { modelServiceArgsFromConfig } from "../../components/settings/stackConfig.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

/** The fenced blocks of one language, in order. */
function fencedBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(/^```(\S*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === language).map((m) => m[2]);
}

/** Splits a shell line into words, honouring single and double quotes (`$(...)` stays inside its word). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote: string | undefined;
  let depth = 0;
  let started = false;
  let escaped = false;
  for (const ch of line) {
    if (escaped) {
      word += ch;
      escaped = false;
      continue;
    }
    if (ch === "\\" && quote !== "'") {
      escaped = true;
      started = true;
      continue;
    }
    if (quote) {
      if (ch === quote && depth === 0) quote = undefined;
      else word += ch;
      if (ch === "(" && word.endsWith("$(")) depth++;
      else if (ch === ")" && depth > 0) depth--;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(word);
      word = "";
      started = false;
    } else {
      word += ch;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

/** The commands of a bash block: comments dropped, `&&` and `|` split into separate commands. */
function shellCommands(block: string): string[][] {
  return block
    .split("\n")
    .map((line) => line.replace(/(^|\s)#\s.*$/, "").trim())
    .filter((line) => line !== "")
    .flatMap((line) => line.split(/\s(?:&&|\|)\s/))
    .map((command) => shellWords(command.trim()));
}

const stacksCreated = new Set<string>();
const stackExists = (stack: string) => existsSync(join(repoRoot, `Pulumi.${stack}.yaml`)) || stacksCreated.has(stack);
const tarball = `${pkg.name}-${pkg.version}.tgz`;

/** The top-level ModelService setting a config key names (`tls.certificate`, `apiKeys[0]` -> `tls`, `apiKeys`). */
const settingOf = (key: string) => key.split(/[.[]/)[0];

/** The config problems that mean "no such setting", learnt from a key that surely is none. */
function unknownSettingMessage(): string {
  try {
    modelServiceArgsFromConfig({ surelyNoSuchSetting: "1" }, "model-service");
  } catch (error) {
    return (error as { problems: { allowed: string }[] }).problems[0].allowed;
  }
  throw new Error("the stack config parser accepted an unknown key");
}
const unknown = unknownSettingMessage();

/** Whether the stack config parser knows the setting (a wrong value is fine here: the README often shows a placeholder). */
function isSetting(name: string): boolean {
  try {
    modelServiceArgsFromConfig({ [name]: "1" }, "model-service");
    return true;
  } catch (error) {
    const problems = (error as { problems?: { allowed: string }[] }).problems;
    if (!problems) throw error;
    return !problems.some((problem) => problem.allowed === unknown);
  }
}

const optionValue = (words: string[], option: string) => {
  const index = words.indexOf(option);
  return index >= 0 ? words[index + 1] : undefined;
};

/** Checks one command and returns what is wrong with it (empty when it is right). */
function problemsOf(words: string[]): string[] {
  const [program, ...rest] = words;
  const problems: string[] = [];
  const stack = optionValue(words, "--stack");
  if (stack !== undefined && !stackExists(stack)) problems.push(`no Pulumi.${stack}.yaml`);
  if (program.startsWith("scripts/")) {
    const file = join(repoRoot, program);
    try {
      accessSync(file, constants.X_OK);
    } catch {
      problems.push(`${program} is not an executable file`);
    }
    if (program === "scripts/deploy" && rest[0] !== undefined && !stackExists(rest[0])) problems.push(`no Pulumi.${rest[0]}.yaml`);
    if (program === "scripts/test") {
      const known = /known: ([a-z ]+)\)/.exec(readFileSync(file, "utf8"))?.[1].split(" ") ?? [];
      for (const suite of rest) if (!known.includes(suite)) problems.push(`scripts/test knows no suite ${suite}`);
    }
    return problems;
  }
  switch (program) {
    case "source":
      if (!existsSync(join(repoRoot, rest[0]))) problems.push(`${rest[0]} does not exist`);
      break;
    case "cd":
    case "curl":
      break;
    case "cp":
      if (!existsSync(join(repoRoot, rest[0]))) problems.push(`${rest[0]} does not exist`);
      stacksCreated.add(/^Pulumi\.(.+)\.yaml$/.exec(rest[1])?.[1] ?? "");
      break;
    case "npm": {
      const [sub, ...args] = rest;
      if (sub === "test" && pkg.scripts.test === undefined) problems.push("package.json has no test script");
      else if (sub === "run") {
        const name = args.find((arg) => !arg.startsWith("-"));
        if (name === undefined || pkg.scripts[name] === undefined) problems.push(`package.json has no script ${name}`);
      } else if (sub === "install") {
        for (const arg of args.filter((a) => a.endsWith(".tgz"))) if (!arg.endsWith(`/${tarball}`)) problems.push(`npm pack makes ${tarball}, not ${arg}`);
      } else if (!["test", "ci", "pack"].includes(sub)) problems.push(`unexpected npm command ${sub}`);
      break;
    }
    case "npx":
      if (pkg.bin[rest[0]] === undefined) problems.push(`package.json has no bin ${rest[0]}`);
      break;
    case "pulumi": {
      const [sub, verb] = rest;
      if (sub === "config" && verb === "set") {
        const key = rest.slice(2).find((arg) => !arg.startsWith("-"));
        if (key === undefined || !isSetting(settingOf(key))) problems.push(`${key} is not a ModelService setting`);
      } else if (sub === "package") {
        const dir = (rest[2] ?? "provider").replace(/^(\/path\/to\/model-service|\.\/node_modules\/model-service|\.)\//, "");
        if (!["add", "get-schema"].includes(verb) || !existsSync(join(repoRoot, dir, "PulumiPlugin.yaml"))) problems.push(`${dir} is no component package`);
      } else if (!["preview", "up", "destroy", "stack", "new"].includes(sub)) problems.push(`unexpected pulumi command ${sub}`);
      break;
    }
    default:
      problems.push(`unknown command ${program}`);
  }
  return problems;
}

describe("README.md", () => {
  const blockCommands = fencedBlocks(readme, "bash").flatMap(shellCommands);
  const inlineCommands = [...readme.matchAll(/`((?:scripts\/|npm |npx |pulumi )[^`]*)`/g)].map((m) => shellWords(m[1]));

  it("shows the two commands: the deploy and the test command", () => {
    expect(fencedBlocks(readme, "bash")[0].trim()).toBe("scripts/deploy");
    expect(fencedBlocks(readme, "bash")[1].trim()).toBe("npm test");
    expect(readFileSync(join(repoRoot, ".ci/run"), "utf8")).toMatch(/^exec npm test$/m);
    expect(pkg.scripts.test).toBe("scripts/test");
  });

  it("reads its shell commands as expected (the parser this test relies on)", () => {
    expect(shellCommands("a 'b c' \"$(d e)\" # note\nf && g | h")).toEqual([["a", "b c", "$(d e)"], ["f"], ["g"], ["h"]]);
    expect(shellWords('x "[\\"$(y 1)\\"]" z')).toEqual(["x", '["$(y 1)"]', "z"]);
    expect(blockCommands.length).toBeGreaterThan(20);
    expect(inlineCommands.length).toBeGreaterThan(3);
  });

  it("shows only commands that work with this repository", () => {
    const wrong = [...blockCommands, ...inlineCommands].flatMap((words) => problemsOf(words).map((p) => `${words.join(" ")}: ${p}`));
    expect(wrong).toEqual([]);
  });

  it("catches a wrong command", () => {
    expect(problemsOf(["scripts/nonesuch"])).not.toEqual([]);
    expect(problemsOf(["npm", "run", "nonesuch"])).not.toEqual([]);
    expect(problemsOf(["pulumi", "config", "set", "replicaz", "2"])).not.toEqual([]);
    expect(problemsOf(["scripts/deploy", "nonesuch"])).not.toEqual([]);
    expect(problemsOf(["scripts/test", "nonesuch"])).not.toEqual([]);
    expect(problemsOf(["pulumi", "config", "set", "--secret", "--path", "tls.certificate", "x", "--stack", "prod"])).toEqual([]);
  });

  it("names only ModelService settings in its YAML and TypeScript examples", () => {
    const yaml = fencedBlocks(readme, "yaml").join("\n");
    const stackKeys = [...yaml.matchAll(/^\s*model-service:(\w+):/gm)].map((m) => m[1]);
    const properties = /properties:\n((?:\s{6}\w+:.*\n)+)/.exec(yaml)?.[1] ?? "";
    const propertyKeys = [...properties.matchAll(/^\s{6}(\w+):/gm)].map((m) => m[1]);
    const ts = fencedBlocks(readme, "ts").join("\n");
    const argsKeys = [...ts.matchAll(/^\s{2}(\w+):/gm)].map((m) => m[1]);
    const keys = [...stackKeys, ...propertyKeys, ...argsKeys];
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((key) => !isSetting(key))).toEqual([]);
  });

  it("links only files that exist", () => {
    const links = [...readme.matchAll(/\]\(((?!https?:)[^)#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((link) => !existsSync(join(repoRoot, link)))).toEqual([]);
  });

  it("is a guide, not a log: at most 300 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(300);
  });
});
