/**
 * The tenant a sync state is kept under: the Auth0 domain's host, lower-case (`tenant.eu.auth0.com`), from a bare
 * host or a base URL (`https://tenant.eu.auth0.com/`, a simulator's `http://127.0.0.1:PORT`). Two tenants never
 * share a state; the bundled simulator passes a fixed name instead of its random port.
 *
 * @example
 * tenantId("https://Tenant.EU.auth0.com/") // "tenant.eu.auth0.com"
 */
export function tenantId(domain: string): string {
  const trimmed = domain.trim();
  const host = /^https?:\/\//i.test(trimmed) ? new URL(trimmed).host : trimmed.replace(/\/+$/, "");
  return host.toLowerCase();
}
