import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Auth0Credentials } from "./TokenProvider.js";

/** The Secrets Manager secret is not `{"clientId": "...", "clientSecret": "..."}`. Never quotes the value. */
export class InvalidCredentialsSecretError extends Error {
  public override readonly name = "InvalidCredentialsSecretError";

  public constructor(public readonly problem: string) {
    super(
      `the Auth0 credentials secret ${problem}; expected SecretString JSON {"clientId":"...","clientSecret":"..."}`,
    );
  }
}

/**
 * Reads the credentials from the secret's SecretString.
 *
 * @throws {@link InvalidCredentialsSecretError} naming what is wrong, not what the secret holds.
 * @example
 * parseAuth0Credentials('{"clientId":"abc","clientSecret":"s3cr3t"}'); // { clientId: "abc", clientSecret: "s3cr3t" }
 */
export function parseAuth0Credentials(secretString: string | undefined): Auth0Credentials {
  if (secretString === undefined) throw new InvalidCredentialsSecretError("has no SecretString");
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new InvalidCredentialsSecretError("is not JSON");
  }
  const { clientId, clientSecret } = (typeof json === "object" && json !== null ? json : {}) as Record<
    string,
    unknown
  >;
  if (typeof clientId !== "string" || clientId === "") {
    throw new InvalidCredentialsSecretError("has no clientId");
  }
  if (typeof clientSecret !== "string" || clientSecret === "") {
    throw new InvalidCredentialsSecretError("has no clientSecret");
  }
  return { clientId, clientSecret };
}

/**
 * Fetches and parses the credentials secret (apply reads it through a `CredentialsCache`: at most every few
 * minutes, and again after every failed token request).
 *
 * @example
 * const credentials = await loadAuth0Credentials(new SecretsManagerClient({}), process.env.AUTH0_SECRET_ARN);
 */
export async function loadAuth0Credentials(
  secrets: SecretsManagerClient,
  secretArn: string,
): Promise<Auth0Credentials> {
  const result = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  return parseAuth0Credentials(result.SecretString);
}
