import * as z from "zod";
import { SimulatorOptionsError } from "./errors.js";
import type { IncidentSnapshot, OutageSchedule, TokenRefusal } from "./incidents.js";
import type { SimulatorFaults, SimulatorRateLimit } from "./options.js";
import { mediaType, type SimulatorRequest, type SimulatorResponse } from "./SimulatorRequest.js";

/** What the control route can change on a running simulator. */
export interface SimulatorControls {
  scheduleOutage(schedule: OutageSchedule): void;
  endOutage(): void;
  refuseTokens(status: TokenRefusal | undefined): void;
  setClientScopes(scopes: readonly string[], clientId?: string): void;
  setClientSecret(secret: string, clientId?: string): void;
  setFaults(faults: Partial<SimulatorFaults>): void;
  setRateLimit(rateLimit: Partial<SimulatorRateLimit>): void;
  expireTokens(): void;
  snapshot(): IncidentSnapshot;
}

/**
 * The body of `POST /_simulator/control`; every field optional, applied in this order. Times in seconds, as
 * the `auth0-sim` flags take them.
 */
const controlSchema = z.strictObject({
  /** `null` ends the outage now. */
  outage: z
    .strictObject({
      afterSeconds: z.number().nonnegative().optional(),
      forSeconds: z.number().positive().optional(),
      mode: z.enum(["error", "reset", "timeout"]).optional(),
      status: z.number().int().min(500).max(599).optional(),
      from: z.enum(["now", "firstRequest"]).optional(),
    })
    .nullable()
    .optional(),
  /** `null` stops refusing. */
  tokenRefusal: z
    .union([z.literal(401), z.literal(403)])
    .nullable()
    .optional(),
  clientId: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  clientSecret: z.string().optional(),
  faults: z
    .strictObject({
      errorRate: z.number().optional(),
      errorStatus: z.number().optional(),
      resetRate: z.number().optional(),
      slowRate: z.number().optional(),
      slowMs: z.number().optional(),
    })
    .optional(),
  rateLimit: z
    .strictObject({
      rps: z.number().optional(),
      burst: z.number().optional(),
      liveTrafficRps: z.number().optional(),
    })
    .optional(),
  expireTokens: z.boolean().optional(),
});

/** The body of a control request, as a test or a script sends it. */
export type SimulatorControlRequest = z.input<typeof controlSchema>;

function invalid(message: string): SimulatorResponse {
  return { status: 400, body: { error: "invalid_control_request", message } };
}

/**
 * `GET /_simulator/control` answers the incident knobs; `POST` with a JSON {@link SimulatorControlRequest}
 * changes them (and faults, rate limit, scopes, secrets) while the simulator runs, then answers them.
 *
 * @example
 * await fetch(`${sim.url}/_simulator/control`, { method: "POST", headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ outage: { afterSeconds: 5, forSeconds: 900 } }) });
 */
export function handleControlRequest(
  request: SimulatorRequest,
  controls: SimulatorControls,
): SimulatorResponse {
  if (request.method === "GET") return { status: 200, body: controls.snapshot() };
  if (request.method !== "POST") return invalid("use GET or POST");
  const type = mediaType(request.contentType);
  if (type !== undefined && type !== "application/json") return invalid("the body must be JSON");
  let json: unknown;
  try {
    json = JSON.parse(request.body ?? "");
  } catch {
    return invalid("the body is not JSON");
  }
  const parsed = controlSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  const change = parsed.data;
  try {
    if (change.outage === null) controls.endOutage();
    else if (change.outage !== undefined) {
      const { afterSeconds, forSeconds, mode, status, from } = change.outage;
      controls.scheduleOutage({
        ...(afterSeconds === undefined ? {} : { afterMs: afterSeconds * 1000 }),
        ...(forSeconds === undefined ? {} : { forMs: forSeconds * 1000 }),
        ...(mode === undefined ? {} : { mode }),
        ...(status === undefined ? {} : { status }),
        ...(from === undefined ? {} : { from }),
      });
    }
    if (change.tokenRefusal !== undefined) controls.refuseTokens(change.tokenRefusal ?? undefined);
    if (change.scopes !== undefined) controls.setClientScopes(change.scopes, change.clientId);
    if (change.clientSecret !== undefined) controls.setClientSecret(change.clientSecret, change.clientId);
    if (change.faults !== undefined) controls.setFaults(change.faults);
    if (change.rateLimit !== undefined) controls.setRateLimit(change.rateLimit);
    if (change.expireTokens) controls.expireTokens();
  } catch (error) {
    if (error instanceof SimulatorOptionsError) return invalid(error.message);
    throw error;
  }
  return { status: 200, body: controls.snapshot() };
}
