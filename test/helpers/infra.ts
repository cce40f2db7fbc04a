import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, CfnElement, Stack } from "aws-cdk-lib";
import { Annotations, Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { readStackConfig } from "../../infra/config.js";
import { FactorSyncStack } from "../../infra/FactorSyncStack.js";

/** A synthesized FactorSyncStack: its template, annotations and the stack object (for logical ids). */
export interface SynthesizedStack {
  app: App;
  stack: FactorSyncStack;
  template: Template;
  annotations: Annotations;
  /** The CloudFormation logical id of a construct (an L2's default child, or an L1). */
  logicalId(construct: IConstruct): string;
}

/**
 * Builds the stack the way `infra/app.ts` does, from CDK context, with bundling skipped, in a temporary cloud
 * assembly directory that is removed before returning (the template is kept in memory).
 *
 * @example
 * const { template } = synthesizeStack({ batchSize: 5 });
 * template.hasResourceProperties("AWS::Lambda::EventSourceMapping", { BatchSize: 5 });
 */
export function synthesizeStack(context: Record<string, unknown> = {}): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), "factor-sync-cdk-"));
  try {
    const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [], ...context } });
    const stack = new FactorSyncStack(app, "FactorSync", { config: readStackConfig(app.node) });
    const template = Template.fromStack(stack);
    const annotations = Annotations.fromStack(stack);
    const logicalId = (construct: IConstruct) => {
      const resource = construct.node.defaultChild ?? construct;
      if (!CfnElement.isCfnElement(resource))
        throw new Error(`${construct.node.path} is not a CloudFormation resource`);
      return Stack.of(resource).resolve(resource.logicalId) as string;
    };
    return { app, stack, template, annotations, logicalId };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** One resource's `Properties`, found by logical id. */
export function propertiesOf(template: Template, logicalId: string): Record<string, unknown> {
  const resource = template.toJSON().Resources?.[logicalId] as
    | { Properties?: Record<string, unknown> }
    | undefined;
  if (resource === undefined) throw new Error(`no resource ${logicalId} in the template`);
  return resource.Properties ?? {};
}

/** Every resource of a type, as `[logicalId, properties]` pairs. */
export function resourcesOfType(template: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.findResources(type)).map(([id, resource]) => [
    id,
    (resource as { Properties?: Record<string, unknown> }).Properties ?? {},
  ]);
}
