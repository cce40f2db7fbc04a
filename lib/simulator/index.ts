export type { Auth0Simulator } from "./Auth0Simulator.js";
export { CONTROL_PATH, startAuth0Simulator } from "./Auth0Simulator.js";
export type { AuthenticationMethodInput, StoredAuthenticationMethod } from "./authenticationMethods.js";
export { validateAuthenticationMethods } from "./authenticationMethods.js";
export type { SimulatorControlRequest } from "./controlRoute.js";
export type { ManagementErrorBody } from "./errorBodies.js";
export { SimulatorOptionsError } from "./errors.js";
export type { IncidentSnapshot, OutageMode, OutageSchedule, TokenRefusal } from "./incidents.js";
export type {
  Auth0SimulatorOptions,
  KnownUsers,
  LatencyRange,
  SimulatorClient,
  SimulatorFaults,
  SimulatorRateLimit,
} from "./options.js";
export { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_SCOPES, SIMULATOR_DEFAULTS } from "./options.js";
export type { SimulatorStats } from "./SimulatorStats.js";
export type { RateLimitState } from "./TokenBucket.js";
export { TokenBucket } from "./TokenBucket.js";
