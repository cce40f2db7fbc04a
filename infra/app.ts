import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { InvalidStackConfigError, readStackConfig, type StackConfig } from "./config.js";
import { FactorSyncStack } from "./FactorSyncStack.js";

// The CDK app of `npx cdk synth` / `npx cdk deploy`: settings come from context (-c key=value, or cdk.json).
const app = new App();

let config: StackConfig;
try {
  config = readStackConfig(app.node);
} catch (error) {
  if (!(error instanceof InvalidStackConfigError)) throw error;
  // A bad setting is the operator's to fix: say which, without a stack trace.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

new FactorSyncStack(app, "FactorSync", {
  config,
  description: "factor-sync: make users' MFA factors in Auth0 match a file dropped in S3",
});
// cdk-nag v3 is a policy validation plugin: a finding not acknowledged where it arises fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
