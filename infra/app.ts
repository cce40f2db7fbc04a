import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { readStackConfig } from "./config.js";
import { FactorSyncStack } from "./FactorSyncStack.js";

// The CDK app of `npx cdk synth` / `npx cdk deploy`: settings come from context (-c key=value or cdk.json).
const app = new App();
new FactorSyncStack(app, "FactorSync", {
  config: readStackConfig(app.node),
  description: "factor-sync: make users' MFA factors in Auth0 match a file dropped in S3",
});
// cdk-nag v3 is a policy validation plugin: a finding not acknowledged where it arises fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
