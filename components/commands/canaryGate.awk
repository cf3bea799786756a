# The canary gate's judgement (canaryGate.sh): compares a candidate's live traffic with stable's over a window, from
# snapshots of every replica's /metrics taken at the start and at the end of the window. Plain POSIX awk (the proxy
# image has mawk); the unit tests run it directly on /metrics texts of the real api.
#
# Input: snapshots, each a header line `# canary-gate <start|end> <stable|candidate> <host:port>` followed by that
# replica's /metrics text. Per replica the increase of a counter is end - start, or end when the counter went down
# (the replica restarted in the window), as Prometheus' increase() takes it; a replica without a start snapshot
# started in the window.
# Variables (-v): max_error_rate (0-1), max_p99_ratio, min_agreement (0-1, empty: not gated), min_requests,
# window_seconds, elapsed_seconds.
# Measures, per side (the sum over its replicas):
#   requests      live prediction requests, modelserver_model_requests_total (every outcome)
#   error rate    outcome="server_error" / requests
#   p99           from modelserver_model_request_duration_seconds, like histogram_quantile(0.99, ...): the bucket
#                 that holds the 99th percentile rank, interpolated linearly inside it (from 0 for the first)
#   agreement     modelserver_shadow_agreements_total / modelserver_shadow_requests_total (candidate)
# Output: one line per measure, "measured vs threshold: pass" or ": FAIL", then one line of JSON.
# Exit status: 0 every measure holds; 1 a measure fails with enough traffic to judge; 2 not enough traffic (fewer
# than min_requests live candidate requests, or, with min_agreement, fewer shadow requests than that and at least 1).

function label(line, key,   start, rest) {
    start = index(line, "{" key "=\"")
    if (start == 0) start = index(line, "," key "=\"")
    if (start == 0) return ""
    rest = substr(line, start + length(key) + 3)
    return substr(rest, 1, index(rest, "\"") - 1)
}

function add(key, value) {
    if (phase == "start") before[target, key] += value
    else after[target, key] += value
    seen[target, key] = 1
}

# The increase of `key` on `side` over the window: per replica end - start, or end after a reset.
function increase(side, key,   i, t, delta, total) {
    total = 0
    for (i = 1; i <= target_count; i++) {
        t = target_list[i]
        if (side_of[t] != side || !((t, key) in seen)) continue
        delta = after[t, key] - before[t, key]
        if (delta < 0) delta = after[t, key]
        total += delta
    }
    return total
}

# The 99th percentile of the latency of `side`, "" without requests.
function p99(side,   i, count, rank, upper, lower, cumulative, previous) {
    count = increase(side, "bucket:+Inf")
    if (count <= 0) return ""
    rank = 0.99 * count
    lower = 0; previous = 0
    for (i = 1; i <= bound_count; i++) {
        upper = bounds[i]
        cumulative = increase(side, "bucket:" bound_text[i])
        if (cumulative >= rank) {
            if (cumulative == previous) return upper
            return lower + (upper - lower) * (rank - previous) / (cumulative - previous)
        }
        lower = upper; previous = cumulative
    }
    return lower  # in the +Inf bucket: the highest finite bound, as histogram_quantile answers
}

function number(value) { return value == "" ? "null" : sprintf("%.6g", value) }
function shown(value) { return value == "" ? "n/a" : sprintf("%.4g", value) }
function ms(value) { return value == "" ? "n/a" : sprintf("%.4g ms", value * 1000) }
function ratio(part, whole) { return whole > 0 ? part / whole : "" }
function verdict(failed) { return failed ? "FAIL" : "pass" }

function versions(side,   i, t, v, listed, out) {
    out = ""
    for (i = 1; i <= target_count; i++) {
        t = target_list[i]
        if (side_of[t] != side || !((t) in version_of)) continue
        v = version_of[t]
        if ((side, v) in listed) continue
        listed[side, v] = 1
        out = out == "" ? v : out "," v
    }
    return out
}

function side_json(side, requests, errors, latency, shadow, agreements) {
    return sprintf("{\"version\":\"%s\",\"requests\":%d,\"server_errors\":%d,\"error_rate\":%s,\"p99_seconds\":%s,\"shadow_requests\":%d,\"agreements\":%d,\"agreement\":%s}",
        versions(side), requests, errors, number(ratio(errors, requests)), number(latency), shadow, agreements, number(ratio(agreements, shadow)))
}

/^# canary-gate / {
    phase = $3; side = $4; target = $5
    if (!((target) in side_of)) { side_of[target] = side; target_list[++target_count] = target }
    next
}
/^#/ || NF < 2 { next }
{
    name = $1
    brace = index(name, "{")
    if (brace > 0) name = substr(name, 1, brace - 1)
    value = $NF + 0
    if (name == "modelserver_model_requests_total") {
        add("requests", value)
        if (label($0, "outcome") == "server_error") add("server_errors", value)
    } else if (name == "modelserver_model_request_duration_seconds_bucket") {
        bound = label($0, "le")
        add("bucket:" bound, value)
        if (bound != "+Inf" && !((bound) in bound_known)) { bound_known[bound] = 1; bound_text[++bound_count] = bound }
    } else if (name == "modelserver_shadow_requests_total") {
        add("shadow", value)
    } else if (name == "modelserver_shadow_agreements_total") {
        add("agreements", value)
    } else {
        next
    }
    if (phase == "end" && label($0, "version") != "") version_of[target] = label($0, "version")
}

END {
    # Bounds in numeric order (insertion sort: a histogram has a few dozen).
    for (i = 1; i <= bound_count; i++) bounds[i] = bound_text[i] + 0
    for (i = 2; i <= bound_count; i++) {
        b = bounds[i]; t = bound_text[i]
        for (j = i - 1; j >= 1 && bounds[j] > b; j--) { bounds[j + 1] = bounds[j]; bound_text[j + 1] = bound_text[j] }
        bounds[j + 1] = b; bound_text[j + 1] = t
    }

    requests = increase("candidate", "requests"); stable_requests = increase("stable", "requests")
    errors = increase("candidate", "server_errors"); stable_errors = increase("stable", "server_errors")
    shadow = increase("candidate", "shadow"); agreements = increase("candidate", "agreements")
    latency = p99("candidate"); stable_latency = p99("stable")
    error_rate = ratio(errors, requests)
    latency_ratio = (latency != "" && stable_latency != "" && stable_latency > 0) ? latency / stable_latency : ""
    agreement = ratio(agreements, shadow)
    failed = ""

    short = requests < min_requests
    if (short) failed = failed ",\"requests\""
    printf "live candidate requests %d (stable %d) vs min %d: %s\n", requests, stable_requests, min_requests, \
        short ? "FAIL (not enough traffic)" : "pass"

    bad = error_rate != "" && error_rate > max_error_rate + 0
    if (bad) failed = failed ",\"error_rate\""
    printf "error rate %s (%d server errors of %d; stable %s) vs max %s: %s\n", shown(error_rate), errors, requests, \
        shown(ratio(stable_errors, stable_requests)), max_error_rate, error_rate == "" ? "not judged (no live candidate requests)" : verdict(bad)

    bad = latency_ratio != "" && latency_ratio > max_p99_ratio + 0
    if (bad) failed = failed ",\"p99_ratio\""
    printf "p99 latency ratio %s (candidate p99 %s, stable p99 %s) vs max %s: %s\n", shown(latency_ratio), ms(latency), \
        ms(stable_latency), max_p99_ratio, latency_ratio == "" ? "not judged (no live requests on both sides)" : verdict(bad)

    if (min_agreement == "") {
        printf "prediction agreement %s (%d of %d shadow requests): not gated\n", shown(agreement), agreements, shadow
    } else {
        few = shadow < (min_requests > 1 ? min_requests : 1)
        bad = few || agreement < min_agreement + 0
        if (bad) failed = failed ",\"agreement\""
        if (few) short = 1
        printf "prediction agreement %s (%d of %d shadow requests) vs min %s: %s\n", shown(agreement), agreements, shadow, \
            min_agreement, few ? "FAIL (not enough shadow traffic)" : verdict(bad)
    }

    status = short ? 2 : (failed != "" ? 1 : 0)
    printf "{\"passed\":%s,\"verdict\":\"%s\",\"failed\":[%s],\"elapsed_seconds\":%d,\"window_seconds\":%d,\"candidate\":%s,\"stable\":%s,\"p99_ratio\":%s,\"thresholds\":{\"max_error_rate\":%s,\"max_p99_latency_ratio\":%s,\"min_agreement\":%s,\"min_requests\":%d}}\n", \
        status == 0 ? "true" : "false", status == 0 ? "pass" : (status == 1 ? "fail" : "not enough traffic"), substr(failed, 2), \
        elapsed_seconds, window_seconds, side_json("candidate", requests, errors, latency, shadow, agreements), \
        side_json("stable", stable_requests, stable_errors, stable_latency, increase("stable", "shadow"), increase("stable", "agreements")), \
        number(latency_ratio), number(max_error_rate), number(max_p99_ratio), number(min_agreement), min_requests
    exit status
}
