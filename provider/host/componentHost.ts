/**
 * The component package's plugin (provider/index.js runs the CommonJS build of this): Pulumi's component
 * provider for ModelService, which every other language reaches through `pulumi package add`. It is the
 * SDK's own ComponentProvider (schema from provider/index.ts, construct by calling the class), except that
 * inputs are sorted first (inputs.ts): Outputs reach the fields that take an Input, plain fields get values.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/index.js";
import * as provider from "@pulumi/pulumi/provider/index.js";
import { modelServiceInputs } from "./inputs.js";
import { ModelService } from "../../components/modelService.js";

/** The package name, as provider/package.json gives it: the first part of the type token `model-service:index:ModelService`. */
export const COMPONENT_PACKAGE_NAME = "model-service";

/** ComponentProvider for ModelService, with inputs sorted by the field table before the component is constructed. */
export class ModelServiceComponentProvider extends ComponentProvider {
  /** `dirname`: the component package's directory (provider/), whose index.ts and package.json describe it. */
  constructor(dirname: string) {
    super({ name: COMPONENT_PACKAGE_NAME, dirname, components: [ModelService] });
  }

  override async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
    return super.construct(name, type, await modelServiceInputs(inputs), options);
  }
}

/** Serves the component package to the engine (the plugin's whole job); `dirname` as for the provider. */
export function serveComponentPackage(dirname: string): Promise<void> {
  return provider.main(new ModelServiceComponentProvider(dirname), process.argv.slice(2));
}
