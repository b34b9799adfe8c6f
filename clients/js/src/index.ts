export { TallyClient } from "./client.js";
export type { TallyClientOptions, TallySnapshot, ChargeOptions, Unsubscribe } from "./client.js";
export { TallyError } from "./errors.js";
export { formatCredits } from "./format.js";
export type { FormatCreditsOptions } from "./format.js";
export { SseParser } from "./sse.js";
export type { SseMessage, SseHandlers } from "./sse.js";
export type { EventSourceConstructor, EventSourceLike, ReconnectOptions } from "./live.js";
export type {
  AccountBalance,
  Balance,
  BalanceUpdate,
  ChargeRequest,
  ConnectionState,
  Entry,
  EntryType,
  NextExpiry,
  Problem,
} from "./types.js";
