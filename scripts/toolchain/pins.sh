# Pins of the Pulumi toolchain parts that the Go module proxy does not serve: each is built from an upstream
# release archive in $MS_THIRD_PARTY_DIR (../shared/third_party beside the project by default; its README
# and SHA256SUMS describe them). Each archive matches an npm package pinned in package-lock.json.
# shellcheck shell=bash
# shellcheck disable=SC2034 # these arrays are read by the toolchain steps that source this file

# Where the archives are; set MS_THIRD_PARTY_DIR to use another folder.
export MS_THIRD_PARTY_DIR=${MS_THIRD_PARTY_DIR:-$(cd "$MS_ROOT/.." && pwd)/shared/third_party}

# Archive base names (without .tar.gz), keyed by the version they build.
declare -A MS_DOCKER_PROVIDER_ARCHIVE=([4.11.0]=pulumi-docker-v4.11.0)
# The Terraform provider that pulumi-docker bridges (its 'upstream' submodule at the release's commit).
declare -A MS_DOCKER_UPSTREAM_ARCHIVE=([4.11.0]=terraform-provider-docker-d7d7ff7f)
declare -A MS_COMMAND_PROVIDER_ARCHIVE=([1.2.1]=pulumi-command-v1.2.1)
declare -A MS_LANGUAGE_NODEJS_ARCHIVE=([3.248.0]=pulumi-language-nodejs-v3.248.0)
declare -A MS_LANGUAGE_GO_ARCHIVE=([3.248.0]=pulumi-language-go-v3.248.0)

# The YAML language host is served by the Go module proxy; this release pairs with the CLI above.
MS_PULUMI_YAML_VERSION=${MS_PULUMI_YAML_VERSION:-v1.25.0}

# How each archive is made from a clone of its upstream repository (printed when one is missing).
declare -A MS_ARCHIVE_RECIPE=(
  [pulumi-docker-v4.11.0]="in github.com/pulumi/pulumi-docker: git archive --format=tar.gz --prefix=pulumi-docker-v4.11.0/ v4.11.0 provider patches LICENSE"
  [terraform-provider-docker-d7d7ff7f]="in github.com/kreuzwerker/terraform-provider-docker: git archive --format=tar.gz --prefix=terraform-provider-docker-d7d7ff7f/ d7d7ff7f89775a7b71f925a8724de5ce66228019"
  [pulumi-command-v1.2.1]="in github.com/pulumi/pulumi-command: git archive --format=tar.gz --prefix=pulumi-command-v1.2.1/ v1.2.1 provider LICENSE"
  [pulumi-language-nodejs-v3.248.0]="in github.com/pulumi/pulumi: git archive --format=tar.gz --prefix=pulumi-language-nodejs-v3.248.0/ v3.248.0 LICENSE sdk/nodejs/cmd/pulumi-language-nodejs ':(exclude)sdk/nodejs/cmd/pulumi-language-nodejs/testdata'"
  [pulumi-language-go-v3.248.0]="in github.com/pulumi/pulumi: git archive --format=tar.gz --prefix=pulumi-language-go-v3.248.0/ v3.248.0 LICENSE sdk/go/pulumi-language-go ':(exclude)sdk/go/pulumi-language-go/testdata'"
)
