/**
 * What each Pulumi resource option given to a `ModelService` means for its children (the images, network,
 * containers or services, volumes and commands): the one table the reference documents and the unit tests walk,
 * and the code that applies it. Options not in the table (`dependsOn`, `parent`, `version`, ...) mean for the
 * component what they mean for any component resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { ModelServiceConfigError } from "./configError.js";

/** How an option reaches the children. */
export type OptionReach = "every child" | "every resource" | "the component" | "refused";

/** One row of the table. */
export interface ResourceOptionSpec {
  readonly reach: OptionReach;
  /** What it does for a running service, in the reference's words. */
  readonly meaning: string;
}

/** The resource options of a `ModelService`, in the reference's order. */
export const MODEL_SERVICE_OPTIONS = {
  transforms: {
    reach: "every child",
    meaning:
      "The engine runs them on every child: a transform that adds a label to `labels` shows on every container, network, volume and Swarm service (images take no labels in the Docker provider; a transform reaches their `build`, e.g. its `args`).",
  },
  protect: {
    reach: "every child",
    meaning:
      "Every child is protected too: `pulumi destroy`, removing the service from the program and any change that would replace a container or service are refused until `protect` is removed.",
  },
  retainOnDelete: {
    reach: "every resource",
    meaning:
      "Every image, network, volume, container or service is left running in Docker when Pulumi deletes it (a removed service, `pulumi destroy`, or the old one of a replacement): the service keeps serving and you remove its objects yourself.",
  },
  customTimeouts: {
    reach: "every resource",
    meaning:
      "Given to every image, network, volume, container, service and command: Pulumi's limit on each one's create, update and delete (a build, a health wait, a Swarm rollout).",
  },
  deletedWith: {
    reach: "every resource",
    meaning: "Given to every child: when that resource is deleted, Pulumi does not delete the children one by one.",
  },
  ignoreChanges: {
    reach: "refused",
    meaning:
      "Refused, naming the option: its property paths name the inputs of one resource type, and the component's children are of several. Use a transform that sets `ignoreChanges` on the children you mean.",
  },
  aliases: {
    reach: "the component",
    meaning:
      "Rename or reparent a deployed service without replacing anything: the engine aliases every child with it, and a renamed service keeps the Docker names (and API key salt) of the name in the first alias that gives one.",
  },
  providers: {
    reach: "every child",
    meaning: "Passed to every child; see docs/remote.md.",
  },
} as const satisfies Record<string, ResourceOptionSpec>;

/** An option of the table. */
export type ModelServiceOption = keyof typeof MODEL_SERVICE_OPTIONS;

/** Throws `ModelServiceConfigError` naming every refused option `opts` sets. */
export function checkResourceOptions(serviceName: string, opts: pulumi.ComponentResourceOptions | undefined): void {
  const problems = (Object.keys(MODEL_SERVICE_OPTIONS) as ModelServiceOption[])
    .filter((option) => MODEL_SERVICE_OPTIONS[option].reach === "refused" && isSet(opts?.[option as keyof pulumi.ComponentResourceOptions]))
    .map((option) => ({ field: `opts.${option}`, value: opts?.[option as keyof pulumi.ComponentResourceOptions], allowed: `no ${option} on the component: ${MODEL_SERVICE_OPTIONS[option].meaning}` }));
  if (problems.length > 0) {
    throw new ModelServiceConfigError(`resource options of ModelService "${serviceName}"`, problems);
  }
}

const isSet = (value: unknown): boolean => value !== undefined && !(Array.isArray(value) && value.length === 0);

/**
 * `opts` with a transformation that gives every custom resource below the component the options of
 * `MODEL_SERVICE_OPTIONS` that reach "every resource" (a child's own setting of one wins). It runs first, so a
 * user's own transformations see, and may change, what it set.
 */
export function withChildOptions(opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions | undefined {
  const inherited: Partial<pulumi.CustomResourceOptions> = {
    ...(opts?.retainOnDelete === undefined ? {} : { retainOnDelete: opts.retainOnDelete }),
    ...(opts?.customTimeouts === undefined ? {} : { customTimeouts: opts.customTimeouts }),
    ...(opts?.deletedWith === undefined ? {} : { deletedWith: opts.deletedWith }),
  };
  if (Object.keys(inherited).length === 0) {
    return opts;
  }
  const transformation: pulumi.ResourceTransformation = (args) =>
    args.resource instanceof pulumi.CustomResource ? { props: args.props, opts: pulumi.mergeOptions(inherited, args.opts) } : undefined;
  return { ...opts, transformations: [transformation, ...(opts?.transformations ?? [])] };
}

/**
 * The name a service's Docker objects are named after: the component's name, or, for a service renamed with an
 * alias, the name its first alias gives (a URN's last part or `{ name }`), so nothing is replaced.
 */
export function dockerServiceName(name: string, aliases: pulumi.ComponentResourceOptions["aliases"]): string {
  for (const alias of aliases ?? []) {
    if (typeof alias === "string" && alias.includes("::")) {
      return alias.slice(alias.lastIndexOf("::") + 2);
    }
    if (typeof alias === "object" && alias !== null && !pulumi.Output.isInstance(alias) && typeof (alias as pulumi.Alias).name === "string") {
      return (alias as pulumi.Alias).name as string;
    }
  }
  return name;
}
