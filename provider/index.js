// What the plugin runs: the component provider host of the CommonJS build (npm run build writes ../dist/cjs),
// which resolves secret inputs before it constructs ModelService (host/componentHost.ts).
require("../dist/cjs/provider/host/componentHost.js").serveComponentPackage(__dirname);
