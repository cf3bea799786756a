/**
 * The model-service policy pack: each rule of rules.ts as a stack policy over the resources a preview or update is
 * about to deploy. `pulumi preview --policy-pack <package>/policy` runs it (policy/PulumiPolicy.yaml).
 */
import { PolicyPack, type StackValidationPolicy } from "@pulumi/policy";
import { MODEL_SERVICE_RULES, type ModelServiceRule, type RuleConfig } from "./rules.js";
import { modelServiceViews } from "./serviceView.js";

function stackPolicy(rule: ModelServiceRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    ...(rule.configSchema === undefined ? {} : { configSchema: rule.configSchema }),
    validateStack: (args, reportViolation) => {
      const views = modelServiceViews(args.resources);
      if (views.length === 0) args.notApplicable("the stack has no ModelService");
      const config = args.getConfig<RuleConfig>();
      for (const view of views) {
        for (const message of rule.check(view, config)) reportViolation(message, view.urn);
      }
    },
  };
}

new PolicyPack("model-service", {
  description: "Rules a platform team sets for every ModelService of a stack: API keys, TLS, replicas, limits, exposure, pinned images.",
  policies: MODEL_SERVICE_RULES.map(stackPolicy),
});
