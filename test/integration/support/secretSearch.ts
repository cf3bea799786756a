/**
 * Searches everywhere a deployed stack leaves text for the plaintext of its secrets: the state files of its
 * backend, `pulumi stack export`, what the engine printed, `docker inspect` of its containers and volumes, and
 * their logs. A secret that must reach a container's environment (an `environment` value) is, by nature, in
 * `docker inspect` of the api containers: it is searched for only in what Pulumi stores and prints.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { LABEL_KEYS } from "../../../components/containers/labels.js";

/** One secret to look for: a name for the report, its plaintext, and whether containers may hold it. */
export interface SearchedSecret {
  readonly name: string;
  readonly plaintext: string;
  /** True for a value the containers are given on purpose (an environment value): Pulumi's places only. */
  readonly reachesContainers?: boolean;
}

/** Where to look. */
export interface SecretPlaces {
  /** The stack's file backend directory. */
  readonly backendDir: string;
  /** `pulumi stack export` of the stack (without --show-secrets). */
  readonly exported: string;
  /** Everything `pulumi` printed while deploying (without --show-secrets commands). */
  readonly engineOutput: string;
  /** The stack name its Docker objects are labelled with. */
  readonly stackName: string;
}

/** The secret text of a PEM private key as it may travel: the whole PEM, its base64 (stdin), one line of its body. */
export function pemSecrets(name: string, pem: string): SearchedSecret[] {
  const body = pem.split("\n").filter((line) => line !== "" && !line.startsWith("-----"));
  return [
    { name, plaintext: pem.trim() },
    { name: `${name} (base64)`, plaintext: Buffer.from(pem, "utf8").toString("base64") },
    { name: `${name} (a line of its body)`, plaintext: body[Math.floor(body.length / 2)] },
  ];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const docker = (args: readonly string[]): string => execFileSync("docker", [...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
const lines = (text: string): string[] => text.split("\n").filter((line) => line !== "");

/** Every place that holds a secret's plaintext, as `<secret> in <place>`; empty when none does. */
export function secretFindings(secrets: readonly SearchedSecret[], places: SecretPlaces): string[] {
  const label = `label=${LABEL_KEYS.stack}=${places.stackName}`;
  const containers = lines(docker(["ps", "--all", "--format", "{{.Names}}", "--filter", label]));
  const volumes = lines(docker(["volume", "ls", "--format", "{{.Name}}", "--filter", label]));
  const pulumiPlaces: [string, string][] = [
    ...filesUnder(places.backendDir).map((file): [string, string] => [`state file ${file}`, readFileSync(file, "utf8")]),
    ["pulumi stack export", places.exported],
    ["engine output", places.engineOutput],
  ];
  const dockerPlaces: [string, string][] = [
    ...containers.map((name): [string, string] => [`docker inspect ${name}`, docker(["inspect", name])]),
    ...volumes.map((name): [string, string] => [`docker volume inspect ${name}`, docker(["volume", "inspect", name])]),
    ...containers.map((name): [string, string] => {
      const logs = spawnSync("docker", ["logs", name], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      return [`docker logs ${name}`, `${logs.stdout}${logs.stderr}`];
    }),
  ];
  if (containers.length === 0) {
    return [`no containers labelled ${label} to search: the stack is not deployed`];
  }
  return secrets.flatMap((secret) =>
    [...pulumiPlaces, ...(secret.reachesContainers === true ? [] : dockerPlaces)]
      .filter(([, text]) => text.includes(secret.plaintext))
      .map(([place]) => `${secret.name} in ${place}`),
  );
}
