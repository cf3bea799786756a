# Go module pins for the parts of the Pulumi toolchain that have no release tag of their own.
# Each one is the source that matches an npm package pinned in package-lock.json.
# shellcheck shell=bash

# Node.js language host: module without tags; the commit of the pkg/v$MS_PULUMI_VERSION tag, as Go's
# pseudo-version (commit time + hash, read from the proxy's .info of pkg/v3 at that tag).
declare -A MS_LANGUAGE_HOST_PSEUDO=(
  [3.248.0]=v3.0.0-20260624180030-dc7edd58bc13
)
# The last release of github.com/pulumi/pulumi/sdk/v3 that still carried the Node.js language host inside the
# sdk module; used only when the proxy cannot serve the host at the pinned version (see docs/toolchain.md).
MS_LANGUAGE_HOST_FALLBACK_SDK=v3.68.0

# @pulumi/docker 5.0.0 <- github.com/pulumi/pulumi-docker/provider/v5 at this commit (no provider/v5.X.Y tags).
MS_DOCKER_PROVIDER_MODULE=github.com/pulumi/pulumi-docker/provider/v5
MS_DOCKER_PROVIDER_COMMIT=c2baf6a4997f3f53052ee9284bcf2ef0cf8081ae
# It bridges kreuzwerker/terraform-provider-docker v4.2.0 at this commit.
MS_DOCKER_UPSTREAM_MODULE=github.com/kreuzwerker/terraform-provider-docker
MS_DOCKER_UPSTREAM_COMMIT=619686ddb44a889cb24fc194faf8361ef9f03738

# @pulumi/command 1.2.1 <- github.com/pulumi/pulumi-command/provider at this commit.
MS_COMMAND_PROVIDER_MODULE=github.com/pulumi/pulumi-command/provider
MS_COMMAND_PROVIDER_COMMIT=7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25
