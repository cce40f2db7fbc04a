import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { credentialsFromEnv } from "../../../cli/credentialsFromEnv.js";

describe("credentialsFromEnv", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "credentials-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the environment when there is no .env", async () => {
    const load = credentialsFromEnv({ AUTH0_CLIENT_ID: " id ", AUTH0_CLIENT_SECRET: "s" }, join(dir, ".env"));
    await expect(load()).resolves.toEqual({ clientId: "id", clientSecret: "s" });
  });

  it("reads .env again on every call, so a secret fixed there is picked up", async () => {
    const path = join(dir, ".env");
    await writeFile(path, "AUTH0_CLIENT_SECRET=\n");
    const load = credentialsFromEnv({ AUTH0_CLIENT_ID: "id", AUTH0_CLIENT_SECRET: "" }, path);
    await expect(load()).resolves.toEqual({ clientId: "id", clientSecret: "" });
    await writeFile(path, "AUTH0_CLIENT_SECRET=right-one\n");
    await expect(load()).resolves.toEqual({ clientId: "id", clientSecret: "right-one" });
  });
});
