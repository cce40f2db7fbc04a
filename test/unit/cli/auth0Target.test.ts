import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { chooseTarget, IncompleteTargetError, loadDotEnv } from "../../../cli/auth0Target.js";

describe("chooseTarget", () => {
  it("chooses the tenant when AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET are all set", () => {
    expect(
      chooseTarget({
        AUTH0_DOMAIN: " tenant.eu.auth0.com ",
        AUTH0_CLIENT_ID: "id",
        AUTH0_CLIENT_SECRET: "secret",
      }),
    ).toEqual({
      kind: "tenant",
      target: { domain: "tenant.eu.auth0.com", clientId: "id", clientSecret: "secret" },
    });
  });

  it("chooses the bundled simulator when none is set (an empty value counts as unset)", () => {
    expect(chooseTarget({ AUTH0_DOMAIN: "" })).toEqual({ kind: "simulator" });
  });

  it("refuses a half-configured tenant, naming the missing variables", () => {
    const choose = () => chooseTarget({ AUTH0_DOMAIN: "tenant.eu.auth0.com", AUTH0_CLIENT_SECRET: "secret" });

    expect(choose).toThrow(IncompleteTargetError);
    expect(choose).toThrow(/^AUTH0_CLIENT_ID is not set: set all of/);
  });
});

describe("loadDotEnv", () => {
  const names = ["FACTOR_SYNC_TEST_A", "FACTOR_SYNC_TEST_B"];
  let dir: string | undefined;
  afterEach(async () => {
    for (const name of names) delete process.env[name];
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads a .env file without overriding variables already set", async () => {
    dir = await mkdtemp(join(tmpdir(), "dotenv-"));
    const path = join(dir, ".env");
    await writeFile(path, "FACTOR_SYNC_TEST_A=from-file\nFACTOR_SYNC_TEST_B=from-file\n");
    process.env.FACTOR_SYNC_TEST_A = "from-environment";

    expect(loadDotEnv(path)).toBe(true);

    expect([process.env.FACTOR_SYNC_TEST_A, process.env.FACTOR_SYNC_TEST_B]).toEqual([
      "from-environment",
      "from-file",
    ]);
  });

  it("does nothing when there is no .env file", () => {
    expect(loadDotEnv(join(tmpdir(), "no-such-dir", ".env"))).toBe(false);
  });
});
