import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openLocalJobsTable } from "../../../lib/local/LocalAws.js";
import { runLocalMigration } from "../../../lib/local/runLocalMigration.js";
import type { Auth0Target, LocalMigrationOptions } from "../../../lib/local/types.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A deterministic base32 TOTP secret for user `index`, variant `version`. */
function secretOf(index: number, version = 0): string {
  let value = index * 7919 + version * 104_729 + 12_345;
  let secret = "";
  for (let i = 0; i < 16; i++) {
    secret += BASE32[value % 32];
    value = Math.floor(value / 32) + (i + 1) * 31 + version;
  }
  return secret;
}

const phoneOf = (index: number) => `+1415555${String(1000 + (index % 9000)).padStart(4, "0")}`;

/** A CSV of users `0 … count-1`: every user a TOTP factor, every third also a phone; `changed` get new secrets. */
function usersCsv(count: number, options: { changed?: ReadonlySet<number>; start?: number } = {}): string {
  const rows = ["user_id,type,totp_secret,phone_number"];
  for (let index = options.start ?? 0; index < count; index++) {
    const version = options.changed?.has(index) ? 1 : 0;
    rows.push(`auth0|user-${index},totp,${secretOf(index, version)},`);
    if (index % 3 === 0) rows.push(`auth0|user-${index},phone,,${phoneOf(index)}`);
  }
  return `${rows.join("\n")}\n`;
}

let dir: string;
let simulator: Auth0Simulator;
let other: Auth0Simulator;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "factor-sync-resync-"));
  [simulator, other] = await Promise.all([
    startAuth0Simulator({ rps: 5000, burst: 5000 }),
    startAuth0Simulator({ rps: 5000, burst: 5000 }),
  ]);
});
afterAll(async () => {
  await Promise.all([simulator.stop(), other.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const targetOf = (sim: Auth0Simulator): Auth0Target => ({
  domain: sim.url,
  clientId: sim.clientId,
  clientSecret: sim.clientSecret,
});

/** A fresh state folder per test: its own jobs table, sync state and key. */
let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(dir, "state-"));
});

/** Runs a file (written under `name`) and returns the summary and the PUTs the tenant received. */
async function run(
  name: string,
  csv: string,
  options: Partial<LocalMigrationOptions> & { sim?: Auth0Simulator } = {},
) {
  const { sim = simulator, ...rest } = options;
  const file = join(dir, `${name}.csv`);
  await writeFile(file, csv);
  counter += 1;
  const before = sim.stats.puts;
  const summary = await runLocalMigration({
    file,
    target: targetOf(sim),
    stateDir,
    rpsCeiling: 2000,
    reportsDir: join(dir, `reports-${counter}`),
    ...rest,
  });
  return { summary, puts: sim.stats.puts - before };
}

describe("incremental sync", () => {
  it("sends exactly the changed and added users the second time: six new secrets and three new users, nine PUTs, 594 unchanged", async () => {
    const first = await run("users", usersCsv(600));
    expect(first.summary).toMatchObject({
      users: 600,
      applied: 600,
      unchanged: 0,
      failed: 0,
      accounted: true,
    });
    expect(first.puts).toBe(600);

    const changed = new Set([3, 77, 150, 299, 420, 599]);
    let forecast: unknown;
    const second = await run("users", usersCsv(603, { changed }), {
      onForecast: (value) => {
        forecast = value;
      },
    });
    expect(forecast).toEqual({ valid: 603, unchanged: 594, toSend: 9 });
    expect(second.summary).toMatchObject({
      users: 603,
      applied: 9,
      unchanged: 594,
      superseded: 0,
      failed: 0,
      status: "complete",
      accounted: true,
    });
    expect(second.puts).toBe(9);
    for (const index of changed) {
      expect(
        simulator
          .allMethods()
          .get(`auth0|user-${index}`)
          ?.find((m) => m.type === "totp"),
      ).toMatchObject({
        totp_secret: secretOf(index, 1),
      });
    }
  });

  it("keeps the unchanged count and sends each changed user once when the second ingest continues over several invocations", async () => {
    expect((await run("continued", usersCsv(2_000))).puts).toBe(2_000);
    const changed = new Set([5, 400, 999, 1_000, 1_001, 1_777, 1_999]);
    // Each ingest invocation's time runs down by one a look (ingest looks once a user): about 750 users each, so
    // both passes over 2,010 users take several invocations, cutting while users wait in the sync gate.
    const second = await run("continued", usersCsv(2_010, { changed }), {
      ingestContext: () => {
        let looks = 0;
        return { getRemainingTimeInMillis: () => 1_000 - ++looks };
      },
    });
    expect(second.summary).toMatchObject({
      users: 2_010,
      applied: 17,
      unchanged: 1_993,
      superseded: 0,
      failed: 0,
      status: "complete",
      accounted: true,
    });
    expect(second.summary.ingestInvocations).toBeGreaterThanOrEqual(4);
    // Seven new secrets and ten new users: one PUT each, none twice, none of the unchanged.
    expect(second.puts).toBe(17);
  });

  it("sends a changed phone and a removed method, and skips a re-ordered set", async () => {
    const csv = [
      "user_id,type,totp_secret,phone_number",
      "auth0|phone,totp,JBSWY3DPEHPK3PXP,",
      "auth0|phone,phone,,+14155550100",
      "auth0|removed,totp,GEZDGNBVGY3TQOJQ,",
      "auth0|removed,phone,,+14155550101",
      "auth0|reordered,totp,MFRGGZDFMZTWQ2LK,",
      "auth0|reordered,phone,,+14155550102",
      "",
    ].join("\n");
    await run("kinds", csv);
    const next = [
      "user_id,type,totp_secret,phone_number",
      "auth0|phone,totp,JBSWY3DPEHPK3PXP,",
      "auth0|phone,phone,,+14155550199",
      "auth0|removed,totp,GEZDGNBVGY3TQOJQ,",
      "auth0|reordered,phone,,+1 (415) 555-0102",
      "auth0|reordered,totp,mfrg gzdf mztw q2lk,",
      "",
    ].join("\n");
    const second = await run("kinds", next);
    expect(second.summary).toMatchObject({ users: 3, applied: 2, unchanged: 1, accounted: true });
    expect(second.puts).toBe(2);
    expect(
      simulator
        .allMethods()
        .get("auth0|removed")
        ?.map((m) => m.type),
    ).toEqual(["totp"]);
  });

  it("sends everyone on a full sync", async () => {
    await run("full", usersCsv(40));
    const full = await run("full", usersCsv(40), { full: true });
    expect(full.summary).toMatchObject({ users: 40, applied: 40, unchanged: 0, accounted: true });
    expect(full.puts).toBe(40);
    const after = await run("full", usersCsv(40));
    expect(after.summary).toMatchObject({ applied: 0, unchanged: 40 });
    expect(after.puts).toBe(0);
  });

  it("keeps the state per tenant: another tenant gets every user", async () => {
    await run("tenants", usersCsv(30));
    const elsewhere = await run("tenants", usersCsv(30), { sim: other });
    expect(elsewhere.summary).toMatchObject({ users: 30, applied: 30, unchanged: 0 });
    expect(elsewhere.puts).toBe(30);
    const again = await run("tenants", usersCsv(30));
    expect(again.summary).toMatchObject({ applied: 0, unchanged: 30 });
  });

  it("resumes a run stopped by Ctrl-C: the second run sends only the users not yet applied", async () => {
    const controller = new AbortController();
    const first = await run("stopped", usersCsv(600), {
      signal: controller.signal,
      rpsCeiling: 400,
      onProgress: (progress) => {
        if (progress.applied >= 150) controller.abort();
      },
    });
    expect(first.summary.interrupted).toBe(true);
    const applied = first.summary.applied;
    expect(applied).toBeGreaterThanOrEqual(150);
    expect(applied).toBeLessThan(600);

    let forecast: unknown;
    const resumed = await run("stopped", usersCsv(600), {
      onForecast: (value) => {
        forecast = value;
      },
    });
    expect(forecast).toEqual({ valid: 600, unchanged: applied, toSend: 600 - applied });
    expect(resumed.summary).toMatchObject({
      users: 600,
      unchanged: applied,
      applied: 600 - applied,
      accounted: true,
    });
    expect(resumed.puts).toBe(600 - applied);
  });

  it("stores no TOTP secret, phone number or email in any item of the table", async () => {
    const withEmail = `user_id,type,totp_secret,phone_number,email\n${usersCsv(20)
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((row) => `${row},`)
      .join("\n")}\nauth0|mail,email,,,someone@example.com\n`;
    await run("values", withEmail);
    await run("values", withEmail.replace(secretOf(4), secretOf(4, 1)));
    const table = await openLocalJobsTable(stateDir, { shared: true });
    try {
      const items = (await table.client.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [];
      const text = JSON.stringify(items);
      expect(items.some((item) => item.pk?.S?.startsWith("SYNC#"))).toBe(true);
      const values = [
        ...Array.from({ length: 20 }, (_, index) => secretOf(index)),
        secretOf(4, 1),
        ...Array.from({ length: 20 }, (_, index) => phoneOf(index)).filter((_, index) => index % 3 === 0),
        "someone@example.com",
      ];
      for (const value of values) expect(text).not.toContain(value);
    } finally {
      await table.stop();
    }
  });
});
