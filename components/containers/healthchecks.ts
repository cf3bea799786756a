import { NGINX_HEALTH_PATH, NGINX_LISTEN_PORT } from "../nginx/options.js";

/** A Docker healthcheck in the shape `docker.Container` takes, with durations formatted like Docker reports them back. */
export interface DockerHealthcheck {
  readonly tests: string[];
  readonly interval: string;
  readonly timeout: string;
  readonly startPeriod: string;
  readonly retries: number;
}

/** Seconds between two checks of a running container. */
const INTERVAL_SECONDS = 5;
/** Seconds one check may take. */
const TIMEOUT_SECONDS = 5;
/** Consecutive failures that mark a container unhealthy. */
const RETRIES = 3;
/** Seconds the proxy may take to start; nginx starts in well under a second. */
const PROXY_START_PERIOD_SECONDS = 10;

/**
 * Formats whole seconds as Go's `time.Duration.String()` does ("5s", "2m0s", "1h0m0s"). The provider
 * reads healthcheck durations back in that form, so any other spelling would show up as drift.
 */
export function goDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) {
    return `${hours}h${minutes}m${rest}s`;
  }
  if (minutes > 0) {
    return `${minutes}m${rest}s`;
  }
  return `${rest}s`;
}

/** How whole seconds are written: containers and Swarm services read them back differently. */
export type DurationFormat = (seconds: number) => string;

/**
 * Whole seconds as the Docker provider reads Swarm service durations back (its `shortDur`: Go's form without a
 * trailing zero unit, "2m" not "2m0s", "1h" not "1h0m0s"), so a service's inputs equal what it stores.
 */
export function swarmDuration(seconds: number): string {
  let text = goDuration(seconds);
  if (text.endsWith("m0s")) text = text.slice(0, -2);
  if (text.endsWith("h0m")) text = text.slice(0, -2);
  return text;
}

/** api readiness (model loaded, warm-up prediction done) via the image's own check script (docs/contracts.md). */
export function apiHealthcheck(startupTimeoutSeconds: number, duration: DurationFormat = goDuration): DockerHealthcheck {
  return {
    tests: ["CMD", "/app/healthcheck"],
    interval: duration(INTERVAL_SECONDS),
    timeout: duration(TIMEOUT_SECONDS),
    startPeriod: duration(startupTimeoutSeconds),
    retries: RETRIES,
  };
}

/**
 * nginx's own `GET /nginx-health`, with the curl the proxy image ships for its HEALTHCHECK. With `tls` it asks over
 * HTTPS without checking the certificate: the check is about nginx answering, and it runs inside the container.
 */
export function proxyHealthcheck(tls = false, duration: DurationFormat = goDuration): DockerHealthcheck {
  return {
    tests: [
      "CMD",
      "curl",
      ...(tls ? ["--insecure"] : []),
      "--fail",
      "--silent",
      "--show-error",
      "--max-time",
      "2",
      "--output",
      "/dev/null",
      `${tls ? "https" : "http"}://127.0.0.1:${NGINX_LISTEN_PORT}${NGINX_HEALTH_PATH}`,
    ],
    interval: duration(INTERVAL_SECONDS),
    timeout: duration(TIMEOUT_SECONDS),
    startPeriod: duration(PROXY_START_PERIOD_SECONDS),
    retries: RETRIES,
  };
}
