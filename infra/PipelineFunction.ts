import { type Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { type IRole, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

/**
 * esbuild's ESM output has no `require`; CommonJS dependencies bundled into it (pino, csv-parse's helpers) still
 * call it for Node built-ins, so give the module one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** Options of {@link PipelineFunction}. */
export interface PipelineFunctionProps {
  /** Entry file, relative to the project root, exporting `handler`. */
  entry: string;
  /** What the function does, shown in the console. */
  description: string;
  /** Timeout. */
  timeout: Duration;
  /** Memory, MB: CPU share grows with it (1769 MB is one full vCPU). */
  memorySize: number;
  /** Environment: settings and resource names only, never a secret value. */
  environment: Record<string, string>;
  /** Retention of the function's log group. */
  logRetention: RetentionDays;
}

/**
 * A Node.js Lambda function the way factor-sync runs them: ESM bundle built by the local esbuild (minified, with
 * source maps), nodejs22.x on arm64, its own log group with a retention, and its own role that starts with no
 * permission but writing to that log group: every other permission is added by the stack, one by one.
 */
export class PipelineFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention,
      // Logs hold counts and ids, never row contents: nothing to keep once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Our own role instead of the default one: the default attaches the AWS managed AWSLambdaBasicExecutionRole,
    // which may create log groups and write to any of them.
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of the factor-sync ${id} function`,
    });
    this.logGroup.grantWrite(role);
    this.role = role;

    this.function = new NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        // Stack traces point at the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: "--enable-source-maps",
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node22",
        minify: true,
        sourceMap: true,
        // Source maps map lines only: the sources themselves would double the asset for nothing at run time.
        sourcesContent: false,
        // Prefer packages' ESM builds (smaller, tree-shakable) over their CommonJS ones.
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_BANNER,
        // Bundle the AWS SDK too: the version tested here is the version that runs, not whatever the runtime ships.
        bundleAwsSDK: true,
      },
    });
    Validations.of(this.function).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "nodejs22.x on purpose: the project pins Node 22 (package.json) for its tests and local runs, so what is tested is what runs; move both to the next LTS together.",
    });
  }
}
