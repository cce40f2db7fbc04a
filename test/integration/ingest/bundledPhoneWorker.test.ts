import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { describe, expect, it, onTestFinished } from "vitest";

const run = promisify(execFile);

describe("phone workers in a bundle", () => {
  it("run from the single ESM file esbuild makes for the ingest Lambda", async () => {
    const dir = mkdtempSync(join(tmpdir(), "factor-sync-bundle-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const entry = join(dir, "entry.ts");
    writeFileSync(
      entry,
      [
        'import { Readable } from "node:stream";',
        `import { readUserFactors } from ${JSON.stringify(resolve("lib/ingest/index.ts"))};`,
        'const file = "user_id,type,phone_number\\nauth0|1,phone,07911 123456\\nauth0|2,phone,555\\n";',
        'const reader = readUserFactors(() => Readable.from([Buffer.from(file)]), { format: "csv", gzip: false },',
        '  { phoneWorkers: 1, defaultCountry: "GB" });',
        "const users = [];",
        "for await (const read of reader) users.push(read);",
        "console.log(JSON.stringify(users));",
      ].join("\n"),
    );
    // As NodejsFunction bundles: one ESM file, a require shim for CommonJS dependencies.
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      outfile: join(dir, "index.mjs"),
      banner: {
        js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
      logLevel: "silent",
    });
    expect(readdirSync(dir).sort()).toEqual(["entry.ts", "index.mjs"]);
    const { stdout } = await run(process.execPath, [join(dir, "index.mjs")], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual([
      {
        kind: "valid",
        user: { userId: "auth0|1", line: 2, methods: [{ type: "phone", phone_number: "+447911123456" }] },
      },
      {
        kind: "rejected",
        user: {
          line: 3,
          userId: "auth0|2",
          errors: [
            "phone_number '555' is neither E.164 nor a valid GB number (if the number is real, accept numbers outside the bundled plan with --phone-check e164 or the object metadata phone-check: e164)",
          ],
        },
      },
    ]);
  });
});
