// What the plugin runs: the component provider host of the CommonJS build (npm run build writes ../dist/cjs),
// which resolves secret inputs before it constructs ModelService (components/componentPackageHost.ts).
require("../dist/cjs/components/componentPackageHost.js").serveComponentPackage(__dirname);
