import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ENGINE_PRELUDE_SCRIPT } from "../../../components/engine/commandEngine.js";
import { engineEnvironment, engineEnvironmentIsSecret, engineFromConfig, isRemoteEngine, parseSshOpts } from "../../../components/engine/dockerEngine.js";
import { describeEngineFailure, probeEngine } from "../../../components/engine/engineCheck.js";

const config = (values: Record<string, string>) => (key: string) => values[key];

describe("engineFromConfig", () => {
  it("reads docker:host, the ssh options (a JSON list) and the TLS settings", () => {
    expect(engineFromConfig(config({ host: "ssh://root@10.0.0.2", sshOpts: '["-i","/k","-o","Port=2222"]' }))).toEqual({
      host: "ssh://root@10.0.0.2",
      sshOpts: ["-i", "/k", "-o", "Port=2222"],
    });
    expect(engineFromConfig(config({ host: "tcp://h:2376", certPath: "/certs" }))).toEqual({ host: "tcp://h:2376", certPath: "/certs" });
    expect(engineFromConfig(config({}))).toEqual({});
    expect(engineFromConfig(config({ host: "" }))).toEqual({});
  });

  it("rejects sshOpts that are not a list of strings, naming the key", () => {
    expect(() => parseSshOpts("-i /k")).toThrow(/docker:sshOpts must be a list of strings/);
    expect(() => parseSshOpts("[1]")).toThrow(/docker:sshOpts/);
  });
});

describe("isRemoteEngine", () => {
  it("is true for ssh://, tcp:// and http(s):// hosts, false for sockets and no host", () => {
    expect(isRemoteEngine({ host: "ssh://u@h" })).toBe(true);
    expect(isRemoteEngine({ host: "tcp://h:2376" })).toBe(true);
    expect(isRemoteEngine({ host: "unix:///var/run/docker.sock" })).toBe(false);
    expect(isRemoteEngine({})).toBe(false);
  });
});

describe("engineEnvironment", () => {
  it("is empty for the local engine, so local commands keep their inputs", () => {
    expect(engineEnvironment({})).toEqual({});
  });

  it("passes the host and one ssh argument per line", () => {
    expect(engineEnvironment({ host: "ssh://root@10.0.0.2", sshOpts: ["-i", "/k ey", "-o", "StrictHostKeyChecking=yes"] })).toEqual({
      DOCKER_HOST: "ssh://root@10.0.0.2",
      DOCKER_SSH_OPTS: "-i\n/k ey\n-o\nStrictHostKeyChecking=yes",
    });
  });

  it("passes TLS material as PEM (a secret) or a certificate directory, and turns verification on", () => {
    const material = engineEnvironment({ host: "tcp://h:2376", caMaterial: "CA", certMaterial: "CERT", keyMaterial: "KEY" });
    expect(material).toEqual({ DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_CA_PEM: "CA", DOCKER_TLS_CERT_PEM: "CERT", DOCKER_TLS_KEY_PEM: "KEY", DOCKER_TLS_VERIFY: "1" });
    expect(engineEnvironmentIsSecret(material)).toBe(true);
    const directory = engineEnvironment({ host: "tcp://h:2376", certPath: "/certs" });
    expect(directory).toEqual({ DOCKER_HOST: "tcp://h:2376", DOCKER_CERT_PATH: "/certs", DOCKER_TLS_VERIFY: "1" });
    expect(engineEnvironmentIsSecret(directory)).toBe(false);
  });
});

describe("engine.sh", () => {
  function runPrelude(environment: Record<string, string>, then: string): { status: number | null; stdout: string } {
    const result = spawnSync("bash", ["-c", `${ENGINE_PRELUDE_SCRIPT}${then}`], { env: { ...process.env, ...environment }, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout };
  }

  it("puts an ssh first on PATH that adds the options, each one argument, and shares one connection", () => {
    const result = runPrelude(
      { DOCKER_HOST: "ssh://root@10.215.0.2", DOCKER_SSH_OPTS: "-i\n/tmp/a key\n-o\nUserKnownHostsFile=/tmp/kh" },
      'cat "$(command -v ssh)"; echo "opts=${DOCKER_SSH_OPTS:-unset}"',
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^exec \S*ssh -i \/tmp\/a\\ key -o UserKnownHostsFile=\/tmp\/kh -o ControlMaster=auto -o ControlPath=\S+\/connection -o ControlPersist=yes "\$@"$/m,
    );
    expect(result.stdout).toContain("opts=unset");
  });

  it("writes TLS material to a private directory that DOCKER_CERT_PATH names, removed when the script ends", () => {
    const result = runPrelude(
      { DOCKER_TLS_CA_PEM: "CA", DOCKER_TLS_CERT_PEM: "CERT", DOCKER_TLS_KEY_PEM: "KEY" },
      'echo "$DOCKER_CERT_PATH"; cat "$DOCKER_CERT_PATH/ca.pem" "$DOCKER_CERT_PATH/cert.pem" "$DOCKER_CERT_PATH/key.pem"; stat -c %a "$DOCKER_CERT_PATH/key.pem"; echo "verify=$DOCKER_TLS_VERIFY key=${DOCKER_TLS_KEY_PEM:-unset}"',
    );
    const [dir, ...rest] = result.stdout.trim().split("\n");
    expect(rest).toEqual(["CA", "CERT", "KEY", "600", "verify=1 key=unset"]);
    expect(spawnSync("test", ["-e", dir]).status).not.toBe(0);
  });

  it("changes nothing without engine settings", () => {
    const result = runPrelude({}, 'command -v ssh || echo none; echo "${DOCKER_CERT_PATH:-unset}"');
    expect(result.stdout).not.toContain("/tmp/tmp.");
    expect(result.stdout.trim().split("\n").pop()).toBe("unset");
  });
});

describe("describeEngineFailure", () => {
  const host = "ssh://root@10.215.0.2";
  const dockerSays = (stderr: string) =>
    `error during connect: Get "http://docker.example.com/v1.24/version": command [ssh -o ConnectTimeout=30 -T -- root@10.215.0.2 docker system dial-stdio] has exited with exit status 255, please make sure the URL is valid, and Docker 18.09 or later is installed on the remote host: stderr=${stderr}\n`;

  it("is undefined when the engine answered", () => {
    expect(describeEngineFailure(host, { status: 0, stderr: "", timedOut: false })).toBeUndefined();
  });

  it("names an unreachable host with the reason ssh gave", () => {
    expect(describeEngineFailure(host, { status: 1, stderr: dockerSays("ssh: connect to host 10.215.0.2 port 22: No route to host\r\n"), timedOut: false })).toBe(
      "Docker engine ssh://root@10.215.0.2: cannot reach the host: No route to host",
    );
    expect(describeEngineFailure(host, { status: null, stderr: "", timedOut: true })).toMatch(/^Docker engine ssh:\/\/root@10\.215\.0\.2: no answer within \d+s/);
  });

  it("names a refused key", () => {
    expect(describeEngineFailure(host, { status: 1, stderr: dockerSays("root@10.215.0.2: Permission denied (publickey).\r\n"), timedOut: false })).toMatch(
      /^Docker engine ssh:\/\/root@10\.215\.0\.2: ssh refused the key/,
    );
  });

  it("names a host that answers without a Docker engine", () => {
    const stderr = dockerSays("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n");
    expect(describeEngineFailure(host, { status: 1, stderr, timedOut: false })).toMatch(/: the host answers, but no Docker engine runs there/);
  });

  it("is always one line", () => {
    expect(describeEngineFailure(host, { status: 1, stderr: "first\nsecond problem\n", timedOut: false })).toBe("Docker engine ssh://root@10.215.0.2: second problem");
  });
});

describe("probeEngine", () => {
  it("makes ssh non-interactive with a short connect timeout, before the user's options", () => {
    expect(probeEngine({ host: "ssh://u@h", sshOpts: ["-i", "/k"] }).sshOpts).toEqual(["-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-i", "/k"]);
    expect(probeEngine({ host: "tcp://h:2376" })).toEqual({ host: "tcp://h:2376" });
  });
});
