/** Where a tenant's APIs are reached, and the audience its Management API tokens are issued for. */
export interface Auth0Endpoint {
  /** Base URL without a trailing slash, e.g. `https://tenant.eu.auth0.com` or `http://127.0.0.1:4100`. */
  baseUrl: string;
  /** `https://{host}/api/v2/`, the Management API's audience (the simulator accepts the same form). */
  audience: string;
}

/** Thrown when `AUTH0_DOMAIN` is neither a host name nor an http(s) URL. */
export class InvalidAuth0DomainError extends Error {
  public override readonly name = "InvalidAuth0DomainError";

  public constructor(public readonly domain: string) {
    super(`AUTH0_DOMAIN '${domain}' is neither a host (tenant.eu.auth0.com) nor an http(s) base URL`);
  }
}

/**
 * Turns `AUTH0_DOMAIN` into the endpoint: a bare host means HTTPS; a full base URL (the simulator's
 * `http://127.0.0.1:PORT`) is taken as it is. The audience always has the `https://{host}/api/v2/` form,
 * as the official SDK builds it.
 *
 * @throws {@link InvalidAuth0DomainError} for anything else (a path, a query, another scheme).
 * @example
 * toAuth0Endpoint("tenant.eu.auth0.com");
 * // { baseUrl: "https://tenant.eu.auth0.com", audience: "https://tenant.eu.auth0.com/api/v2/" }
 */
export function toAuth0Endpoint(domain: string): Auth0Endpoint {
  const trimmed = domain.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidAuth0DomainError(domain);
  }
  const pathless = url.pathname === "/" || url.pathname === "";
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    !pathless ||
    url.search ||
    url.hash ||
    url.username
  ) {
    throw new InvalidAuth0DomainError(domain);
  }
  return { baseUrl: `${url.protocol}//${url.host}`, audience: `https://${url.host}/api/v2/` };
}
