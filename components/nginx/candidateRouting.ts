/**
 * The candidate's routing read back from a config that `renderNginxConfig` rendered: its share of live traffic (the
 * line marked `NGINX_CANDIDATE_WEIGHT_MARKER`), its share of mirrored prediction requests and the sticky header.
 * The review reads previews with it; a config without a candidate reads as `undefined`.
 */
import { NGINX_CANDIDATE_WEIGHT_MARKER } from "./options.js";

/** What a rendered config sends to a candidate. */
export interface CandidateRouting {
  /** Percent of live requests; 0 when the weight line is absent (none rendered, or deleted by a failed gate). */
  readonly trafficPercent: number;
  /** Percent of prediction requests mirrored as shadow traffic; 0 without mirroring. */
  readonly shadowPercent: number;
  /** The header that keeps a key on one version; absent: random per request. */
  readonly stickyHeader?: string;
}

const CANDIDATE_UPSTREAM = /^\s*set \$model_service_candidate_address |^\s*upstream model_service_candidate \{/m;
const WEIGHT = new RegExp(`^\\s*([0-9.]+)% candidate; ${NGINX_CANDIDATE_WEIGHT_MARKER.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m");
const SHADOW = /split_clients "\$request_id" \$model_service_shadow_share \{\s*([0-9.]+)% 1;/;
const STICKY = /^\s*# The same (\S+) always reaches the same version/m;

/** The candidate routing of `config`, or `undefined` when it routes nothing to a candidate. */
export function candidateRoutingOf(config: string): CandidateRouting | undefined {
  const shadow = SHADOW.exec(config);
  if (!CANDIDATE_UPSTREAM.test(config) && shadow === null) {
    return undefined;
  }
  const weight = WEIGHT.exec(config);
  const sticky = STICKY.exec(config);
  return {
    trafficPercent: weight === null ? 0 : Number(weight[1]),
    shadowPercent: shadow === null ? 0 : Number(shadow[1]),
    ...(sticky === null ? {} : { stickyHeader: sticky[1] }),
  };
}
