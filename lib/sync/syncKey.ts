import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SyncKeyError } from "./errors.js";

/** The least key material accepted, in bytes (HMAC-SHA256's block is 64; 32 random bytes are plenty). */
export const MIN_SYNC_KEY_BYTES = 32;

/** The file of the local sync key in the state folder. */
export const LOCAL_SYNC_KEY_FILE = "sync.key";

function keyFromText(text: string | undefined, where: string): Uint8Array {
  const trimmed = text?.trim() ?? "";
  if (trimmed === "") throw new SyncKeyError(`${where} is empty`);
  const key = Buffer.from(trimmed, "utf8");
  if (key.length < MIN_SYNC_KEY_BYTES) {
    throw new SyncKeyError(`${where} is shorter than ${MIN_SYNC_KEY_BYTES} bytes`);
  }
  return key;
}

/**
 * The stack's sync key: the SecretString of the Secrets Manager secret the stack generates (only the ingest
 * function may read it). Call once per container and keep the result.
 *
 * @throws {@link SyncKeyError} when the secret is empty or too short (never quoting it).
 * @example
 * const key = await loadSyncKey(new SecretsManagerClient({}), process.env.SYNC_KEY_SECRET_ARN);
 */
export async function loadSyncKey(secrets: SecretsManagerClient, secretArn: string): Promise<Uint8Array> {
  const result = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  return keyFromText(result.SecretString, "secret");
}

/**
 * The local sync key: `<stateDir>/sync.key`, 32 random bytes (hex) created once with mode 0600, read back on every
 * later run (and put back to 0600 if its mode was widened). Resetting the state means deleting the state folder:
 * a new key makes every user `changed` once.
 *
 * @throws {@link SyncKeyError} when the file is empty or too short.
 * @example
 * const key = await localSyncKey(".factor-sync");
 */
export async function localSyncKey(stateDir: string): Promise<Uint8Array> {
  const path = join(stateDir, LOCAL_SYNC_KEY_FILE);
  await mkdir(stateDir, { recursive: true });
  try {
    await writeFile(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  }
  return keyFromText(await readFile(path, "utf8"), path);
}
