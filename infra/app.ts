import { App, Stack } from "aws-cdk-lib";

// Placeholder until the stack lands: synth must work from the first commit.
const app = new App();
new Stack(app, "FactorSync");
app.synth();
