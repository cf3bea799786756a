import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

/** Project and stack every unit test runs in. */
export const TEST_PROJECT = "model-service-unit";
export const TEST_STACK = "unit";

/** One resource registration seen by the mocks. */
export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** The registrations of component `service` and its children (named `<service>-...`). */
export function resourcesOf(registered: readonly RegisteredResource[], service: string): RegisteredResource[] {
  return registered.filter((r) => r.name === service || r.name.startsWith(`${service}-`));
}

/** The one registration named `name`; throws when there is none. */
export function resourceNamed(registered: readonly RegisteredResource[], name: string): RegisteredResource {
  const found = registered.find((r) => r.name === name);
  if (found === undefined) {
    throw new Error(`no resource ${name}`);
  }
  return found;
}

/** Fake image ID the mocks report as `repoDigest` for an image name, like a local-only build does. */
export function fakeImageId(imageName: string): string {
  return `sha256:${createHash("sha256").update(imageName).digest("hex")}`;
}

/**
 * Installs Pulumi mocks that record every custom resource. Images report a `repoDigest` derived from
 * their name (a local image ID), containers and commands an ID derived from their logical name.
 */
export function installMocks(): RegisteredResource[] {
  const registered: RegisteredResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker:index/image:Image") {
          state.repoDigest = fakeImageId(String(args.inputs.imageName));
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        return args.inputs as Record<string, unknown>;
      },
    },
    TEST_PROJECT,
    TEST_STACK,
    false,
  );
  return registered;
}

/** The value of an Output, once known. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** Resource options as a component's transformation sees them, per logical name. */
export interface CapturedOptions {
  readonly type: string;
  readonly opts: pulumi.CustomResourceOptions;
}

/** A transformation that records the options of every resource below the component it is given to. */
export function captureOptions(): { transformation: pulumi.ResourceTransformation; byName: Map<string, CapturedOptions> } {
  const byName = new Map<string, CapturedOptions>();
  return {
    byName,
    transformation: (args) => {
      byName.set(args.name, { type: args.type, opts: args.opts as pulumi.CustomResourceOptions });
      return undefined;
    },
  };
}
