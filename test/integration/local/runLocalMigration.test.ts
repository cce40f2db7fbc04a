import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRunError } from "../../../lib/local/errors.js";
import { runLocalMigration } from "../../../lib/local/runLocalMigration.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { readCsvReport } from "../../helpers/reports.js";
import { desiredStateOf } from "../../helpers/tenantState.js";

describe("runLocalMigration", () => {
  let dir: string;
  let simulator: Auth0Simulator;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "local-run-"));
    simulator = await startAuth0Simulator({ rps: 500, burst: 100 });
  });
  afterAll(async () => {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const target = () => ({
    domain: simulator.url,
    clientId: simulator.clientId,
    clientSecret: simulator.clientSecret,
  });

  it("passes --allow-clear as the object's allow-clear metadata and --default-country to ingest", async () => {
    const file = join(dir, "clear.csv");
    await writeFile(
      file,
      "user_id,type,phone_number\nauth0|clear-me,,\nauth0|national,phone,(202) 555-0100\n",
    );
    simulator.seedMethods("auth0|clear-me", [{ type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" }]);

    const summary = await runLocalMigration({
      file,
      target: target(),
      allowClear: true,
      defaultCountry: "US",
      reportsDir: join(dir, "clear"),
    });

    expect(summary).toMatchObject({ users: 2, applied: 2, rejected: 0, failed: 0, accounted: true });
    expect(desiredStateOf(simulator, "auth0|clear-me")).toEqual([]);
    expect(desiredStateOf(simulator, "auth0|national")).toEqual([
      { type: "phone", phone_number: "+12025550100" },
    ]);
    expect(JSON.parse(await readFile(summary.reports.summary ?? "", "utf8"))).toMatchObject({
      allowClear: true,
    });
  });

  it("rejects an empty method set without --allow-clear, and reports the file's users the same way", async () => {
    const file = join(dir, "no-clear.csv");
    await writeFile(file, "user_id,type,phone_number\nauth0|clear-me,,\n");

    const summary = await runLocalMigration({ file, target: target(), reportsDir: join(dir, "no-clear") });

    expect(summary).toMatchObject({ users: 1, applied: 0, rejected: 1, failed: 0, accounted: true });
    expect(await readCsvReport(summary.reports.rejects ?? "")).toEqual([
      { line: "2", user_id: "auth0|clear-me", errors: expect.stringContaining("empty") },
    ]);
  });

  it("refuses credentials the tenant does not accept before starting the emulator or writing a report", async () => {
    const file = join(dir, "never.csv");
    await writeFile(file, "user_id,type,email\nauth0|x,email,x@example.com\n");

    const run = runLocalMigration({
      file,
      target: { ...target(), clientSecret: "wrong" },
      reportsDir: join(dir, "refused"),
    });

    await expect(run).rejects.toBeInstanceOf(LocalRunError);
    await expect(run).rejects.toThrow(`could not get a Management API token from ${simulator.url}`);
    await expect(readFile(join(dir, "refused", "run.log"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a file it cannot read with a LocalRunError naming it", async () => {
    const run = runLocalMigration({
      file: join(dir, "missing.csv"),
      target: target(),
      reportsDir: join(dir, "missing"),
    });

    await expect(run).rejects.toThrow(new LocalRunError(`cannot read ${join(dir, "missing.csv")}: ENOENT`));
  });

  it("continues ingest across invocations when it runs out of time: every user applied once, the job counts its invocations", async () => {
    const file = join(dir, "continued.csv");
    const rows = ["user_id,type,totp_secret,phone_number"];
    for (let n = 1; n <= 1_500; n++) {
      rows.push(`auth0|continued-${n},totp,JBSWY3DPEHPK3PXP,`);
      if (n % 2 === 0) rows.push(`auth0|continued-${n},phone,,+1415555${String(n).padStart(4, "0")}`);
    }
    await writeFile(file, `${rows.join("\n")}\n`);
    const before = simulator.stats;
    // Each invocation's time runs down by one a look (ingest looks once a user): about 1,000 users an
    // invocation, a quarter of the 1,350 kept back for the hand-over, so the 3,000 users of both passes take several.
    const summary = await runLocalMigration({
      file,
      target: target(),
      reportsDir: join(dir, "continued"),
      rpsCeiling: 400,
      ingestContext: () => {
        let looks = 0;
        return { getRemainingTimeInMillis: () => 1_350 - ++looks };
      },
    });

    expect(summary).toMatchObject({ users: 1_500, applied: 1_500, rejected: 0, failed: 0, accounted: true });
    expect(summary.ingestInvocations).toBeGreaterThanOrEqual(3);
    // The tenant saw one PUT a user: none sent twice, none skipped.
    const after = simulator.stats;
    expect(after.puts - before.puts).toBe(1_500);
    expect(after.applied - before.applied).toBe(1_500);
    expect(desiredStateOf(simulator, "auth0|continued-1500")).toEqual([
      { type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" },
      { type: "phone", phone_number: "+14155551500" },
    ]);
  }, 120_000);
});
