import { describe, expect, it } from "vitest";
import { CredentialsCache } from "../../../lib/auth0/CredentialsCache.js";
import { InvalidCredentialsSecretError } from "../../../lib/auth0/credentials.js";
import { CredentialsUnavailableError } from "../../../lib/auth0/errors.js";
import type { Auth0Credentials } from "../../../lib/auth0/TokenProvider.js";
import { ManualClock } from "../../helpers/manualClock.js";

/** A loader that returns (or throws) the given values in turn, the last one for ever. */
function loader(...values: (Auth0Credentials | Error)[]) {
  let calls = 0;
  const load = async () => {
    const value = values[Math.min(calls++, values.length - 1)];
    if (value instanceof Error) throw value;
    if (value === undefined) throw new Error("no value");
    return value;
  };
  return { load, calls: () => calls };
}

const first = { clientId: "c", clientSecret: "secret-1" };
const rotated = { clientId: "c", clientSecret: "secret-2" };

describe("CredentialsCache", () => {
  it("reuses a read for maxAgeMs, then reads again so a rotated secret is picked up", async () => {
    const clock = new ManualClock();
    const source = loader(first, rotated);
    const cache = new CredentialsCache({ load: source.load, maxAgeMs: 300_000, clock: clock.clock });
    await expect(cache.get()).resolves.toEqual(first);
    clock.advance(299_999);
    await expect(cache.get()).resolves.toEqual(first);
    clock.advance(1);
    await expect(cache.get()).resolves.toEqual(rotated);
    expect(source.calls()).toBe(2);
  });

  it("reads again at once after invalidate (a token request failed)", async () => {
    const source = loader(first, rotated);
    const cache = new CredentialsCache({ load: source.load, clock: new ManualClock().clock });
    await cache.get();
    cache.invalidate();
    await expect(cache.get()).resolves.toEqual(rotated);
    expect(cache.loads).toBe(2);
  });

  it("shares one read among concurrent callers", async () => {
    const source = loader(first);
    const cache = new CredentialsCache({ load: source.load });
    await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(source.calls()).toBe(1);
  });

  it("does not cache a failed read, and says whether the operator must act", async () => {
    const notFound = Object.assign(new Error("Secrets Manager can't find the specified secret value"), {
      name: "ResourceNotFoundException",
    });
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const source = loader(
      notFound,
      new InvalidCredentialsSecretError("has no clientSecret"),
      throttled,
      first,
    );
    const cache = new CredentialsCache({ load: source.load });
    await expect(cache.get()).rejects.toEqual(
      new CredentialsUnavailableError("ResourceNotFoundException", true),
    );
    const invalid = await cache.get().catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(CredentialsUnavailableError);
    expect(invalid).toMatchObject({
      configuration: true,
      detail:
        'the Auth0 credentials secret has no clientSecret; expected SecretString JSON {"clientId":"...","clientSecret":"..."}',
    });
    await expect(cache.get()).rejects.toMatchObject({ configuration: false, detail: "ThrottlingException" });
    await expect(cache.get()).resolves.toEqual(first);
  });
});
