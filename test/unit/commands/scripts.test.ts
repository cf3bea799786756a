import { describe, expect, it } from "vitest";
import { commandScript, withoutHeader } from "../../../components/commands/scripts.js";
import { PROXY_TLS_FILES_SCRIPT } from "../../../components/commands/tlsFiles.js";
import { NGINX_TLS_CERTIFICATE_FILE, NGINX_TLS_DIR, NGINX_TLS_PRIVATE_KEY_FILE } from "../../../components/nginx/options.js";

describe("command scripts", () => {
  it("run the file without its shebang and header comment", () => {
    expect(withoutHeader("#!/usr/bin/env bash\n# what it does\n\nset -euo pipefail\n# a comment inside\necho hi\n")).toBe(
      "set -euo pipefail\n# a comment inside\necho hi\n",
    );
    expect(withoutHeader("set -e\necho hi\n")).toBe("set -e\necho hi\n");
  });

  it.each(["proxyConfig.sh", "registryCleanup.sh", "smokeTest.sh", "tlsFiles.sh"])("%s starts with set -euo pipefail", (file) => {
    expect(commandScript(file).startsWith("set -euo pipefail\n")).toBe(true);
  });

  it("write the TLS files where the proxy's nginx config reads them", () => {
    expect(PROXY_TLS_FILES_SCRIPT).toContain(`"$TLS_VOLUME:${NGINX_TLS_DIR}"`);
    expect(PROXY_TLS_FILES_SCRIPT).toContain(`> ${NGINX_TLS_CERTIFICATE_FILE}.new`);
    expect(PROXY_TLS_FILES_SCRIPT).toContain(`> ${NGINX_TLS_PRIVATE_KEY_FILE}.new`);
    expect(PROXY_TLS_FILES_SCRIPT.match(/\/etc\/nginx\/tls\/[a-z-]+\.pem/g)?.every((file) => file === NGINX_TLS_CERTIFICATE_FILE || file === NGINX_TLS_PRIVATE_KEY_FILE)).toBe(true);
  });
});
