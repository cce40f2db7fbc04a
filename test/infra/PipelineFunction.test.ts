import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ESM_REQUIRE_BANNER, PipelineFunction } from "../../infra/PipelineFunction.js";

// The one infra test that really bundles (local esbuild, no Docker), so the bundling options are checked on the
// output rather than trusted; the stack tests skip bundling.
interface SourceMap {
  sources: string[];
  sourcesContent?: unknown;
}

/** The zod files a bundle holds, from its source map, relative to zod's package folder. */
function zodFilesOf(sourceMap: SourceMap): string[] {
  return sourceMap.sources
    .filter((source) => source.includes("node_modules/zod/"))
    .map((source) => source.replace(/^.*node_modules\/zod\//, ""));
}

describe("PipelineFunction bundling", () => {
  let outdir: string;
  let assetFiles: string[];
  let code: string;
  let sourceMap: SourceMap;
  let ingestSourceMap: SourceMap;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "factor-sync-bundle-"));
    const app = new App({ outdir });
    const stack = new Stack(app, "Bundle");
    const probe = (id: string, entry: string) =>
      new PipelineFunction(stack, id, {
        entry,
        description: "probe",
        timeout: Duration.seconds(10),
        memorySize: 128,
        environment: {},
        logRetention: RetentionDays.ONE_DAY,
      });
    const apply = probe("Probe", "functions/apply.ts");
    const ingest = probe("IngestProbe", "functions/ingest.ts");
    const template = Template.fromStack(stack);
    const assetDirOf = (fn: PipelineFunction) => {
      const functionId = stack.resolve((fn.function.node.defaultChild as CfnFunction).logicalId) as string;
      const s3Key = (template.toJSON().Resources[functionId].Properties.Code.S3Key as string).replace(
        /\.zip$/,
        "",
      );
      return join(outdir, `asset.${s3Key}`);
    };
    const assetDir = assetDirOf(apply);
    assetFiles = readdirSync(assetDir).sort();
    code = readFileSync(join(assetDir, "index.mjs"), "utf8");
    sourceMap = JSON.parse(readFileSync(join(assetDir, "index.mjs.map"), "utf8"));
    ingestSourceMap = JSON.parse(readFileSync(join(assetDirOf(ingest), "index.mjs.map"), "utf8"));
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it("emits an ES module and its source map, nothing else", () => {
    expect(assetFiles).toEqual(["index.mjs", "index.mjs.map"]);
    expect(code).toMatch(/export\s*\{/);
    expect(code).toContain("//# sourceMappingURL=index.mjs.map");
  });

  it("starts with the createRequire banner, so bundled CommonJS can still require Node built-ins", () => {
    expect(code.slice(0, ESM_REQUIRE_BANNER.length)).toBe(ESM_REQUIRE_BANNER);
  });

  it("maps back to the TypeScript entry without shipping the sources", () => {
    expect(sourceMap.sources).toContainEqual(expect.stringMatching(/functions\/apply\.ts$/));
    expect(sourceMap.sourcesContent).toBeUndefined();
  });

  it("holds zod's mini build with its English messages only: neither zod classic nor another locale", () => {
    // `import { z } from "zod"` made esbuild keep the whole namespace, every locale included: half of the bundle.
    const zodFiles = zodFilesOf(sourceMap);
    expect(zodFiles).toContain("v4/mini/schemas.js");
    expect(zodFiles.filter((file) => !/^v4\/(core|mini)\//.test(file))).toEqual(["v4/locales/en.js"]);
  });

  it("bundles ingest with zod classic (for its messages) and no locale but English", () => {
    // Classic through `import * as z from "zod"`: esbuild then keeps only what is used, not the `locales` namespace.
    const zodFiles = zodFilesOf(ingestSourceMap);
    expect(zodFiles).toContain("v4/classic/schemas.js");
    expect(zodFiles.filter((file) => file.startsWith("v4/locales/"))).toEqual(["v4/locales/en.js"]);
  });

  it("is minified", () => {
    // Unminified, the SDK alone spans tens of thousands of lines; minified, only multi-line string literals
    // (the SDK's warning texts) still hold line breaks.
    expect(code.split("\n").length).toBeLessThan(500);
  });
});
