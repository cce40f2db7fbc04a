/**
 * Request timeouts of every client apply and ingest build, and the worst time one call can take with them.
 * The apply time margin ({@link applyTimeMarginMs}) is made of these, so a batch is always answered before the
 * function's timeout, whatever hangs.
 */
export const CLIENT_TIMEOUTS = {
  /** Each Auth0 request (`/oauth/token`, PUT), the whole response included. */
  auth0RequestMs: 5_000,
  /** AWS SDK clients (SQS, S3, Secrets Manager, DynamoDB): establishing the connection. */
  awsConnectionMs: 1_000,
  /** AWS SDK clients: a response (the socket's idle time). */
  awsRequestMs: 2_000,
  /** AWS SDK attempts per call (the first and one retry). */
  awsMaxAttempts: 2,
  /** The SDK's first retry backoff, at most (standard mode: up to 100 ms, up to 500 ms when throttled). */
  awsRetryBackoffMs: 500,
  /**
   * Secrets Manager attempts per read: one, since a failed read only fails this token request and the
   * credentials are read again on the next (so the read stays short in the time margin).
   */
  secretsMaxAttempts: 1,
  /**
   * Ingest's S3 reads: the socket may idle while the parser waits for SQS (backpressure), so a longer idle
   * timeout than the other calls; ingest has no per-batch deadline, only its checkpointed function timeout.
   */
  ingestS3RequestMs: 60_000,
} as const;

/**
 * Options for an AWS SDK v3 client with {@link CLIENT_TIMEOUTS}: no call hangs for the SDK's default (none).
 *
 * @example
 * const sqs = new SQSClient(awsClientOptions());
 */
export function awsClientOptions(overrides: { maxAttempts?: number; requestTimeoutMs?: number } = {}): {
  requestHandler: { connectionTimeout: number; requestTimeout: number };
  maxAttempts: number;
} {
  return {
    requestHandler: {
      connectionTimeout: CLIENT_TIMEOUTS.awsConnectionMs,
      requestTimeout: overrides.requestTimeoutMs ?? CLIENT_TIMEOUTS.awsRequestMs,
    },
    maxAttempts: overrides.maxAttempts ?? CLIENT_TIMEOUTS.awsMaxAttempts,
  };
}

/**
 * The longest one AWS SDK call can take with {@link awsClientOptions}: every attempt timing out, plus backoff.
 *
 * @example
 * awsCallWorstMs(); // 2 × (1_000 + 2_000) + 500 = 6_500
 */
export function awsCallWorstMs(maxAttempts: number = CLIENT_TIMEOUTS.awsMaxAttempts): number {
  const { awsConnectionMs, awsRequestMs, awsRetryBackoffMs } = CLIENT_TIMEOUTS;
  return maxAttempts * (awsConnectionMs + awsRequestMs) + (maxAttempts - 1) * awsRetryBackoffMs;
}

/** What the worst case of one apply invocation's tail is made of. */
export interface TimeMarginInput {
  /** Per-request timeout of Auth0 calls. @default CLIENT_TIMEOUTS.auth0RequestMs */
  auth0RequestMs?: number;
  /** Sequential rounds of AWS calls after the last PUT (job outcomes, then the SQS settle calls). @default 2 */
  settleRounds?: number;
  /** Slack for the event loop and the response. @default 2_000 */
  slackMs?: number;
}

/**
 * The apply time margin: no Auth0 call starts, and no pacer wait ends, with less time left than this. It covers
 * the worst sequence of one record (a credentials read, a token request, a PUT answered 401, a second token
 * request, a second PUT, each to its timeout) plus the settle rounds, each an AWS call to its worst.
 *
 * @example
 * applyTimeMarginMs(); // 3_000 + 4 × 5_000 + 2 × 6_500 + 2_000 = 38_000
 */
export function applyTimeMarginMs(input: TimeMarginInput = {}): number {
  const auth0 = input.auth0RequestMs ?? CLIENT_TIMEOUTS.auth0RequestMs;
  const settleRounds = input.settleRounds ?? 2;
  const slack = input.slackMs ?? 2_000;
  const credentialsRead = awsCallWorstMs(CLIENT_TIMEOUTS.secretsMaxAttempts);
  return credentialsRead + 4 * auth0 + settleRounds * awsCallWorstMs() + slack;
}
