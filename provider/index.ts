// What `pulumi package get-schema` introspects: the component's TypeScript source (shipped in the package
// for this), so doc comments and enums reach every language. index.js serves the CommonJS build of it
// (host/componentHost.ts).
export { ModelService } from "../components/modelService.js";
