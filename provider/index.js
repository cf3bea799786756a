// What the plugin runs: the CommonJS build of the component (npm run build writes ../dist/cjs).
exports.ModelService = require("../dist/cjs/components/modelService.js").ModelService;
