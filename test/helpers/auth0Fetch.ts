import type { RateLimit } from "../../lib/auth0/RateLimit.js";

/** A request as the fake fetch saw it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What a scripted response may be: a Response, or an error to throw (a timeout, a reset connection). */
export type FakeReply = Response | Error;

/**
 * A `fetch` that records every request and answers with `reply` (the outermost boundary of the Auth0 client,
 * for unit tests; integration tests use the simulator over HTTP).
 */
export function fakeFetch(
  reply: (request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>,
): {
  fetch: typeof fetch;
  requests: RecordedRequest[];
} {
  const requests: RecordedRequest[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const request: RecordedRequest = {
      method: init?.method ?? "GET",
      url: String(input),
      headers,
      body: typeof init?.body === "string" ? init.body : "",
    };
    requests.push(request);
    const answer = await reply(request, requests.length - 1);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch: fetchImpl as typeof fetch, requests };
}

/** The `x-ratelimit-*` headers of a bucket reading (reset in epoch seconds, as Auth0 sends it). */
export function rateLimitHeaders(rateLimit: RateLimit): Record<string, string> {
  return {
    "x-ratelimit-limit": String(rateLimit.limit),
    "x-ratelimit-remaining": String(rateLimit.remaining),
    "x-ratelimit-reset": String(Math.round(rateLimit.resetAtMs / 1000)),
  };
}

/** A JSON response like Auth0's. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Auth0's error body for a status. */
export function auth0Error(
  status: number,
  message: string,
  errorCode?: string,
  headers: Record<string, string> = {},
): Response {
  const error = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
  }[status];
  return jsonResponse(
    status,
    { statusCode: status, error: error ?? "Error", message, ...(errorCode ? { errorCode } : {}) },
    headers,
  );
}

/** A token endpoint's success. */
export function tokenResponse(accessToken: string, expiresIn = 86_400): Response {
  return jsonResponse(200, { access_token: accessToken, expires_in: expiresIn, token_type: "Bearer" });
}

/** The error `fetch` throws when `AbortSignal.timeout` fires. */
export function timeoutError(): Error {
  return new DOMException("The operation was aborted due to timeout", "TimeoutError");
}

/** The error `fetch` throws when the connection is reset. */
export function connectionResetError(): Error {
  return new TypeError("fetch failed", {
    cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
  });
}
