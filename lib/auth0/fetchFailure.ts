/** Why a fetch produced no response: the per-request timeout fired, or the connection failed. */
export interface FetchFailure {
  status: "timeout" | "network";
  message: string;
}

/**
 * Describes an error thrown by `fetch` (or by reading its body) without quoting the request: a timeout from
 * `AbortSignal.timeout`, or a connection error with its code (`ECONNRESET`, `ECONNREFUSED`, `UND_ERR_SOCKET`...).
 *
 * @example
 * describeFetchFailure(new DOMException("signal timed out", "TimeoutError"), 10_000);
 * // { status: "timeout", message: "no response within 10000 ms" }
 */
export function describeFetchFailure(error: unknown, timeoutMs: number): FetchFailure {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return { status: "timeout", message: `no response within ${timeoutMs} ms` };
  }
  return { status: "network", message: `connection error (${errorCode(error) ?? "unknown"})` };
}

/** The first `code` found on the error or its chain of causes. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === "string") return code;
    current = cause;
  }
  return undefined;
}
