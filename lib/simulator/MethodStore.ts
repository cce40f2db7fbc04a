import type { AuthenticationMethodInput, StoredAuthenticationMethod } from "./authenticationMethods.js";
import type { Random } from "./Random.js";

const ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The tenant's authentication methods per user, as PUT left them. */
export class MethodStore {
  readonly #methods = new Map<string, StoredAuthenticationMethod[]>();

  constructor(readonly random: Random) {}

  /** Replaces all of a user's methods, as Auth0's PUT does, giving each a new id and `created_at`. */
  replace(
    userId: string,
    inputs: readonly AuthenticationMethodInput[],
    now: number,
  ): StoredAuthenticationMethod[] {
    const createdAt = new Date(now).toISOString();
    const stored = inputs.map(
      (input): StoredAuthenticationMethod => ({
        id: `${input.type}|dev_${this.random.chars(16, ID_ALPHABET)}`,
        ...input,
        created_at: createdAt,
      }),
    );
    this.#methods.set(userId, stored);
    return structuredClone(stored);
  }

  /** A copy of the user's methods; `[]` when none were ever set. */
  get(userId: string): StoredAuthenticationMethod[] {
    return structuredClone(this.#methods.get(userId) ?? []);
  }

  /** A copy of every user's methods that a PUT (or seed) has set, by user id. */
  all(): Map<string, StoredAuthenticationMethod[]> {
    return structuredClone(this.#methods);
  }

  clear(): void {
    this.#methods.clear();
  }
}
