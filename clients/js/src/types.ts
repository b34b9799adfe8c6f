// The wire shapes of Tally's HTTP API that this client reads (API.md, "Objects" and
// "Server-Sent Events"). Credit amounts are JSON numbers with at most the unit's precision
// (0–6 decimals); the client never does arithmetic on them, it only compares and displays them.

/** The soonest expiry among lots with something left, and what is left in the lots expiring then. */
export interface NextExpiry {
  /** ISO 8601 UTC timestamp. */
  at: string;
  amount: number;
}

/** One unit's balance. `available` = `total` − `held`; `total` may be negative down to the overdraft limit. */
export interface Balance {
  unit: string;
  available: number;
  held: number;
  total: number;
  nextExpiry: NextExpiry | null;
}

/** `GET /v1/accounts/{id}/balance`: every unit's balance as of the account's journal `seq`. */
export interface AccountBalance {
  account: string;
  frozen: boolean;
  /** The account's newest journal sequence number; the balance's ETag and the stream's event id. */
  seq: number;
  balances: Balance[];
}

export type EntryType =
  | "grant"
  | "charge"
  | "capture"
  | "release"
  | "expire"
  | "refund"
  | "reversal"
  | "adjust"
  | "transfer_in"
  | "transfer_out"
  | "clawback";

/** One immutable journal line. `amount` is signed (what it did to `total`). */
export interface Entry {
  id: string;
  account: string;
  seq: number;
  type: EntryType | (string & {});
  unit: string;
  amount: number;
  balanceAfter: number;
  feature: string | null;
  quantity: number | null;
  description: string | null;
  reference: string | null;
  metadata: Record<string, unknown>;
  actor: string | null;
  holdId: string | null;
  lotId: string | null;
  rules: unknown[];
  createdAt: string;
}

/**
 * A `balance.updated` event, or a fresh read of the balance. `entry` is the journal line that
 * caused it; it is null for a snapshot (the stream's first event, a resync, a change without a
 * journal line such as a hold, or a balance the client read over HTTP).
 */
export interface BalanceUpdate extends AccountBalance {
  entry: Entry | null;
}

/**
 * The live stream's state. `idle`: nobody subscribed. `connecting`: the first attempt.
 * `open`: connected, updates arrive as they commit. `reconnecting`: the connection failed or
 * ended and the client is waiting out its backoff or trying again. `closed`: given up after an
 * answer retrying cannot change (403, or 401 with no way to get a new token); see `error`.
 */
export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** A charge as the host backend receives it from `TallyClient.charge()`; it decides what to forward to Tally. */
export interface ChargeRequest {
  amount?: number;
  feature?: string;
  quantity?: number;
  unit?: string;
  description?: string;
  reference?: string;
  metadata?: Record<string, unknown>;
  [member: string]: unknown;
}

/** RFC 7807 problem document as Tally writes it (API.md, "Errors"). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  traceId?: string;
  errors?: Record<string, string[]>;
  [member: string]: unknown;
}
