export * from "./errors.js";
export * from "./methodSetHmac.js";
export * from "./SyncGate.js";
export * from "./SyncStateStore.js";
export * from "./sourceOrder.js";
export * from "./syncKey.js";
export * from "./tenantId.js";
export * from "./types.js";
