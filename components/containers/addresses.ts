/**
 * Where each part is reached: the api replicas inside the service's private network (`api:8000`, what the proxy
 * connects to) and the service itself from the host (what the smoke test and the exported URLs use).
 */
import type { ModelServiceSpec } from "../settings/spec.js";
import { apiIntegerDefault } from "./environmentContract.js";

/** Port gunicorn listens on inside every api container: the default of `PORT` in api/environment.json. */
export const API_PORT: number = apiIntegerDefault("PORT");

/** UDP port of a candidate replica's shadow listener: the default of `SHADOW_PORT` in api/environment.json. */
export const API_SHADOW_PORT: number = apiIntegerDefault("SHADOW_PORT");

/** Network alias every api replica shares; the proxy's upstream is `api:8000`. */
export const API_NETWORK_ALIAS = "api";

/**
 * Address the smoke test and the exported URLs use: on a Swarm `swarm.address`; on one host the published address,
 * or loopback when bound to all interfaces.
 */
export function connectAddress(spec: ModelServiceSpec): string {
  if (spec.runtime.kind === "swarm") {
    return spec.runtime.address;
  }
  return spec.hostAddress === "0.0.0.0" ? "127.0.0.1" : spec.hostAddress;
}

/** Base URL of the service as seen from the host, e.g. `http://127.0.0.1:8080` (`https://` with TLS). */
export function serviceUrl(spec: ModelServiceSpec): string {
  return `${spec.tls === undefined ? "http" : "https"}://${connectAddress(spec)}:${spec.hostPort}`;
}
