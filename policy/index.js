// What the policy analyzer runs: the compiled pack (npm run build writes ../dist/policy/pack.js).
import "../dist/policy/pack.js";
