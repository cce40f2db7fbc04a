import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { REPO_ROOT, runCli } from "../../helpers/cli.js";
import { FIXTURE_PHONES, FIXTURE_TOTP_SECRET } from "../../helpers/ingestFiles.js";

const E2E_TIMEOUT = 180_000;

describe("run on a file whose user is split over two places", () => {
  let dir: string;
  let simulator: Auth0Simulator;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "e2e-split-"));
    // The example: auth0|a's phone on line 2, its TOTP on line 4, auth0|b between, auth0|c after.
    await copyFile(join(REPO_ROOT, "test/fixtures/ingest/split-user.csv"), join(dir, "split-user.csv"));
    simulator = await startAuth0Simulator({ rps: 1000, burst: 200, latencyMs: [0, 1] });
  });
  afterAll(async () => {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "leaves the split user's factors in the tenant exactly as they were, applies the others, and counts 3 users",
    async () => {
      const before = simulator.seedMethods("auth0|a", [
        { type: "totp", totp_secret: FIXTURE_TOTP_SECRET, name: "Old phone app" },
        { type: "phone", phone_number: FIXTURE_PHONES.gb, preferred_authentication_method: "voice" },
      ]);

      const result = await runCli(
        ["run", join(dir, "split-user.csv"), "--json", "--yes", "--rps", "500"],
        {
          AUTH0_DOMAIN: simulator.url,
          AUTH0_CLIENT_ID: simulator.clientId,
          AUTH0_CLIENT_SECRET: simulator.clientSecret,
        },
        dir,
      );

      expect(JSON.parse(result.stdout)).toMatchObject({
        users: 3,
        applied: 2,
        rejected: 1,
        failed: 0,
        durationMs: expect.any(Number),
      });
      expect(result.code).toBe(1);
      // Ids and creation times included: not one PUT reached auth0|a.
      expect(simulator.methodsOf("auth0|a")).toEqual(before);
      expect([...simulator.allMethods().keys()].sort()).toEqual(["auth0|a", "auth0|b", "auth0|c"]);
      expect(simulator.methodsOf("auth0|b")).toMatchObject([
        { type: "totp", totp_secret: FIXTURE_TOTP_SECRET },
      ]);
      expect(simulator.methodsOf("auth0|c")).toMatchObject([{ type: "email", email: "c@example.com" }]);
    },
    E2E_TIMEOUT,
  );

  it(
    "sends nothing and exits 2 when the rejected users are more than --max-rejected allows, saying why",
    async () => {
      simulator.reset();
      const result = await runCli(
        ["run", join(dir, "split-user.csv"), "--json", "--yes", "--max-rejected", "0"],
        {
          AUTH0_DOMAIN: simulator.url,
          AUTH0_CLIENT_ID: simulator.clientId,
          AUTH0_CLIENT_SECRET: simulator.clientSecret,
        },
        dir,
      );
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({
        error: "1 of 3 users rejected, more than max-rejected 0 allows (0): nothing of the file is sent",
        users: 3,
        applied: 0,
        rejected: 1,
        failed: 0,
        durationMs: expect.any(Number),
      });
      expect(result.stderr).toContain(
        "1 of 3 users rejected, more than max-rejected 0 allows (0): nothing of the file is sent",
      );
      expect([...simulator.allMethods().keys()]).toEqual([]);
    },
    E2E_TIMEOUT,
  );

  it("refuses a --phone-check it does not know, in one line", async () => {
    const result = await runCli(["run", join(dir, "split-user.csv"), "--phone-check", "loose"], {}, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--phone-check");
    expect(result.stderr).toContain("expected strict or e164.");
  });
});
