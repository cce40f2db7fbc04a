export { QueueSendError } from "./errors.js";
export { toMessageBody } from "./messageBody.js";
export { sqsSendBatch } from "./sqsSendBatch.js";
export type { FanoutCounts, SendBatch, UnsentUser } from "./types.js";
export { UserQueue, type UserQueueOptions } from "./UserQueue.js";
