import { TallyError } from "./errors.js";
import { LiveConnection, type EventSourceConstructor, type ReconnectOptions } from "./live.js";
import type { AccountBalance, Balance, BalanceUpdate, ChargeRequest, ConnectionState } from "./types.js";

export interface TallyClientOptions {
  /**
   * Where Tally is, e.g. `http://127.0.0.1:5080`; a path prefix is kept (`https://app.example.com/tally`).
   * In browsers it may be relative (`/tally`): Tally sends no CORS headers, so a page reaches it
   * through its own origin.
   */
  baseUrl: string;
  /** The account (the host app's external id of the user) this client reads. */
  account: string;
  /**
   * An API key (`tally_sk_…`, `read` scope is enough) for servers. Never put one in a browser:
   * browsers use a client token from the host backend (`token` / `getToken`).
   */
  apiKey?: string;
  /** A client token (`tally_ct_…`) minted by the host backend for this account. */
  token?: string;
  /**
   * Gets a fresh client token from the host backend (which calls
   * `POST /v1/accounts/{id}/client-tokens`). Called when the client has no token yet and again
   * whenever Tally answers 401 (the token expired or its signing key was rotated); concurrent
   * calls share one request.
   */
  getToken?: () => string | Promise<string>;
  /** The unit `available()` and the React hook read (default `credits`). */
  unit?: string;
  /**
   * The host backend's endpoint that charges the current user (`charge()` POSTs to it). Relative
   * URLs work in browsers. Tally itself is never charged from a browser: spending needs an API
   * key, which only the host backend holds.
   */
  chargeUrl?: string;
  /** The `credentials` mode of `charge()`'s request to the host backend (default `same-origin`). */
  chargeCredentials?: RequestCredentials;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
  /**
   * The EventSource class for live updates with a client token (default the global one, when
   * there is one). `false` uses the client's own fetch-based reader everywhere. With an API key
   * the fetch-based reader is always used, so the key travels in a header and never in a URL.
   */
  EventSource?: EventSourceConstructor | false;
  /** Reconnection backoff of the live stream. */
  reconnect?: ReconnectOptions;
  /**
   * A stream that brings no bytes for this long is treated as dead and reconnected (default
   * 45 s: three missed 15-second pings; 0 = never). Only the fetch-based reader can see pings.
   */
  heartbeatTimeoutMs?: number;
}

/** What the client knows now, for UIs (`useSyncExternalStore`): a new object on every change. */
export interface TallySnapshot {
  /** The newest balance seen (highest seq), from a read or the live stream; null before the first. */
  readonly balance: AccountBalance | null;
  /** The live stream's state; `idle` while nobody is subscribed. */
  readonly connection: ConnectionState;
  /** The last failure (a read, the live stream, or a call through `withCredits`' refresh); null after a success. */
  readonly error: unknown;
}

export interface ChargeOptions {
  /**
   * Sent as `Idempotency-Key` (default: a new random one per call). Pass the same key when
   * retrying a charge whose answer was lost; the host backend should forward it to Tally, which
   * then charges once.
   */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export type Unsubscribe = () => void;

type Subscriber = { listener: (update: BalanceUpdate) => void };

/**
 * One account's balance, read from Tally and kept live: a browser holds a client token, a Node
 * process an API key. Reads are cached by ETag, the live stream is shared by all subscribers and
 * resumes where it stopped after any failure, and calls that spend credits through the host
 * backend refresh the balance when they finish.
 */
export class TallyClient {
  readonly account: string;
  readonly unit: string;
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #credentials: Credentials;
  readonly #chargeUrl: string | null;
  readonly #chargeCredentials: RequestCredentials;
  readonly #subscribers = new Set<Subscriber>();
  readonly #changeListeners = new Set<() => void>();
  readonly #live: LiveConnection;
  #etag: string | null = null;
  #snapshot: TallySnapshot = { balance: null, connection: "idle", error: null };

  constructor(options: TallyClientOptions) {
    if (typeof options.baseUrl !== "string" || options.baseUrl.length === 0) {
      throw new TypeError("TallyClient: baseUrl is required");
    }

    if (typeof options.account !== "string" || options.account.length === 0) {
      throw new TypeError("TallyClient: account is required");
    }

    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") {
      throw new TypeError("TallyClient: no fetch in this runtime; pass options.fetch");
    }

    this.account = options.account;
    this.unit = options.unit ?? "credits";
    this.#base = options.baseUrl.replace(/\/+$/, "");
    // Bound, or browsers refuse it as an "illegal invocation" when called as a method.
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#credentials = new Credentials(options.apiKey ?? null, options.token ?? null, options.getToken ?? null);
    this.#chargeUrl = options.chargeUrl ?? null;
    this.#chargeCredentials = options.chargeCredentials ?? "same-origin";
    const EventSourceClass =
      options.EventSource === false || options.apiKey !== undefined
        ? null
        : (options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource ?? null);
    const credentials = this.#credentials;
    this.#live = new LiveConnection({
      streamUrl: this.#url("events"),
      fetch: this.#fetch,
      EventSource: EventSourceClass,
      reconnect: {
        initialDelayMs: options.reconnect?.initialDelayMs ?? 500,
        maxDelayMs: options.reconnect?.maxDelayMs ?? 30_000,
        stableAfterMs: options.reconnect?.stableAfterMs ?? 5_000,
      },
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 45_000,
      canRefresh: credentials.canRefresh,
      credential: () => credentials.current(),
      refreshCredential: (rejected) => credentials.refresh(rejected),
      probe: async () => {
        await this.getBalance();
      },
      deliver: (update) => {
        this.#advance(update);
        this.#notify(update);
      },
      state: (connection, error) => {
        this.#update({ connection, error: connection === "open" ? null : (error ?? this.#snapshot.error) });
      },
    });
  }

  /** The newest balance seen, or null before the first read or event. */
  get balance(): AccountBalance | null {
    return this.#snapshot.balance;
  }

  /** The live stream's state (`open` = updates arrive as they commit). */
  get connection(): ConnectionState {
    return this.#snapshot.connection;
  }

  /** The available amount of `unit` (default the client's) in the newest balance seen; null before the first. */
  available(unit: string = this.unit): number | null {
    const balance = this.#snapshot.balance;
    return balance === null ? null : (balance.balances.find((b) => b.unit === unit)?.available ?? 0);
  }

  /**
   * Reads the balance (`GET /v1/accounts/{id}/balance`). After the first read it sends the ETag
   * it got (`If-None-Match`); a 304 answers the cached balance without a body. Answers the newest
   * balance the client knows, which may be the live stream's if that is ahead. A 401 gets a new
   * token (when `getToken` is set) and tries once more. Throws a TallyError when refused.
   */
  async getBalance(): Promise<AccountBalance> {
    try {
      const headers: Record<string, string> = { Accept: "application/json" };
      if (this.#etag !== null && this.#snapshot.balance !== null) {
        headers["If-None-Match"] = this.#etag;
      }

      const response = await this.#get("balance", headers);
      if (response.status === 304 && this.#snapshot.balance !== null) {
        this.#update({ error: null });
        return this.#snapshot.balance;
      }

      if (!response.ok) {
        throw await TallyError.fromResponse(response);
      }

      const body = (await response.json()) as AccountBalance;
      this.#etag = response.headers.get("ETag");
      const update: BalanceUpdate = { ...body, entry: null };
      if (this.#advance(update)) {
        this.#notify(update);
      }

      this.#update({ error: null });
      return this.#snapshot.balance ?? body;
    } catch (error) {
      this.#update({ error });
      throw error;
    }
  }

  /**
   * Calls `listener` with every change of the balance: each `balance.updated` event of the live
   * stream once, in journal order (the first is a snapshot, `entry: null`), and each newer
   * balance a read found (also `entry: null`). A subscriber joining a stream that is already
   * open gets the current balance first (`entry: null`). The first subscriber opens the stream, the last
   * unsubscribe closes it; in between it reconnects with backoff and resumes by Last-Event-ID, so
   * changes made while it was down arrive after it, none twice. Returns the unsubscribe function.
   */
  subscribe(listener: (update: BalanceUpdate) => void): Unsubscribe {
    const subscriber: Subscriber = { listener };
    this.#subscribers.add(subscriber);
    if (this.#subscribers.size === 1) {
      this.#live.start();
    } else if (this.#snapshot.connection === "closed") {
      // Given up on (403, a refused token): a new subscriber is a reason to try again.
      this.#live.stop();
      this.#live.start();
    } else if (this.#snapshot.balance !== null) {
      // The stream's snapshot went to the subscribers before this one: it gets the balance as
      // it is now instead, soon after subscribe returns (never during the call).
      const current = this.#snapshot.balance;
      queueMicrotask(() => {
        if (this.#subscribers.has(subscriber) && this.#snapshot.balance === current) {
          deliver(subscriber, { ...current, entry: null });
        }
      });
    }

    let subscribed = true;
    return () => {
      if (!subscribed) {
        return;
      }

      subscribed = false;
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) {
        this.#live.stop();
      }
    };
  }

  /** Drops the live connection and reconnects now, resuming where it was (e.g. on the browser's `online` event). */
  reconnect(): void {
    this.#live.reconnect();
  }

  /**
   * Runs a call that spends credits through the host backend, then reads the balance (so the
   * UI shows the charge at once, live stream or not) and tells subscribers — the seed's
   * makeApiCallWithCreditUpdate. When `call` answers a fetch Response, a 2xx body is parsed
   * (JSON, else text; 204 → undefined) and returned, and any other status throws a TallyError
   * carrying the body's problem document (402 `insufficient_credits` with `available` and
   * `required`). The balance is read whether the call succeeded or not (a failed call may have
   * spent); a failure of that read never hides the call's own result or error.
   */
  withCredits<T = unknown>(call: () => Promise<Response>): Promise<T>;
  withCredits<T>(call: () => Promise<T>): Promise<T>;
  async withCredits(call: () => Promise<unknown>): Promise<unknown> {
    try {
      const result = await call();
      return isResponse(result) ? await readAnswer(result) : result;
    } finally {
      await this.getBalance().catch(() => undefined);
    }
  }

  /**
   * Charges the current user through the host backend: POSTs `request` as JSON to `chargeUrl`
   * with an `Idempotency-Key`, then refreshes the balance (see `withCredits`). The host backend
   * decides the account from its own session and charges Tally with its API key (or uses
   * `RequireCredits` in .NET). Answers the host's parsed body; throws a TallyError on a non-2xx.
   */
  charge<T = unknown>(request: ChargeRequest, options: ChargeOptions = {}): Promise<T> {
    const url = this.#chargeUrl;
    if (url === null) {
      return Promise.reject(
        new TypeError("TallyClient.charge() needs the chargeUrl option: the host backend's endpoint that charges the signed-in user"),
      );
    }

    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      Accept: "application/json",
      "Idempotency-Key": options.idempotencyKey ?? newIdempotencyKey(),
      ...options.headers,
    };
    const init: RequestInit = { method: "POST", headers, body: JSON.stringify(request), credentials: this.#chargeCredentials };
    if (options.signal !== undefined) {
      init.signal = options.signal;
    }

    return this.withCredits<T>(() => this.#fetch(url, init));
  }

  /** Calls `listener` whenever `getSnapshot()` changes. */
  onChange(listener: () => void): Unsubscribe {
    this.#changeListeners.add(listener);
    return () => {
      this.#changeListeners.delete(listener);
    };
  }

  /** The current state as one immutable object, replaced on every change (for `useSyncExternalStore`). */
  readonly getSnapshot = (): TallySnapshot => this.#snapshot;

  /** Closes the live stream and forgets every subscriber. */
  close(): void {
    this.#subscribers.clear();
    this.#live.stop();
  }

  #url(resource: string): string {
    return `${this.#base}/v1/accounts/${encodeURIComponent(this.account)}/${resource}`;
  }

  async #get(resource: string, headers: Record<string, string>): Promise<Response> {
    let credential = await this.#credentials.current();
    for (let attempt = 0; ; attempt++) {
      const sent = { ...headers };
      if (credential !== null) {
        sent["Authorization"] = `Bearer ${credential}`;
      }

      // no-store: the client does its own conditional requests; the browser's HTTP cache must
      // not answer for it (nor turn its 304s into 200s).
      const response = await this.#fetch(this.#url(resource), { headers: sent, cache: "no-store" });
      if (response.status === 401 && attempt === 0 && (await this.#credentials.refresh(credential))) {
        await response.body?.cancel().catch(() => undefined);
        credential = await this.#credentials.current();
        continue;
      }

      return response;
    }
  }

  /** Takes `update` as the current balance unless an older one; true when that changed anything. */
  #advance(update: BalanceUpdate): boolean {
    const current = this.#snapshot.balance;
    if (current !== null && update.seq < current.seq) {
      return false;
    }

    // Same seq, other numbers: something expired since the last write (seq moves on the next one).
    if (current !== null && update.seq === current.seq && current.frozen === update.frozen && sameBalances(current.balances, update.balances)) {
      return false;
    }

    const balance: AccountBalance = { account: update.account, frozen: update.frozen, seq: update.seq, balances: update.balances };
    this.#update({ balance });
    return true;
  }

  #notify(update: BalanceUpdate): void {
    for (const subscriber of [...this.#subscribers]) {
      deliver(subscriber, update);
    }
  }

  #update(change: Partial<TallySnapshot>): void {
    const next = { ...this.#snapshot, ...change };
    if (next.balance === this.#snapshot.balance && next.connection === this.#snapshot.connection && next.error === this.#snapshot.error) {
      return;
    }

    this.#snapshot = next;
    for (const listener of [...this.#changeListeners]) {
      try {
        listener();
      } catch (error) {
        report(error);
      }
    }
  }
}

/**
 * The credential: an API key, or a client token renewed through getToken. Renewals are shared
 * so a burst of 401s asks the host backend once.
 */
class Credentials {
  readonly #apiKey: string | null;
  readonly #getToken: (() => string | Promise<string>) | null;
  #token: string | null;
  #renewal: Promise<string> | null = null;

  constructor(apiKey: string | null, token: string | null, getToken: (() => string | Promise<string>) | null) {
    this.#apiKey = apiKey;
    this.#token = token;
    this.#getToken = getToken;
  }

  get canRefresh(): boolean {
    return this.#apiKey === null && this.#getToken !== null;
  }

  async current(): Promise<string | null> {
    if (this.#apiKey !== null) {
      return this.#apiKey;
    }

    if (this.#token !== null) {
      return this.#token;
    }

    return this.#getToken !== null ? this.#renew() : null;
  }

  /** `rejected` was refused: renew unless someone already did. False when it cannot be renewed. */
  async refresh(rejected: string | null): Promise<boolean> {
    if (!this.canRefresh) {
      return false;
    }

    if (this.#token === null || this.#token === rejected) {
      await this.#renew();
    }

    return true;
  }

  #renew(): Promise<string> {
    if (this.#renewal === null) {
      const getToken = this.#getToken!;
      const renewal = Promise.resolve()
        .then(() => getToken())
        .then((token) => {
          if (typeof token !== "string" || token.length === 0) {
            throw new TypeError("TallyClient: getToken() must answer a client token string");
          }

          this.#token = token;
          return token;
        })
        .finally(() => {
          if (this.#renewal === renewal) {
            this.#renewal = null;
          }
        });
      this.#renewal = renewal;
    }

    return this.#renewal;
  }
}

function deliver(subscriber: Subscriber, update: BalanceUpdate): void {
  try {
    subscriber.listener(update);
  } catch (error) {
    // One listener's bug must not keep the update from the others, nor kill the stream.
    report(error);
  }
}

function sameBalances(a: Balance[], b: Balance[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isResponse(value: unknown): value is Response {
  // Duck-typed: a Response from another realm (an iframe, a polyfill, undici) is one too.
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Response).status === "number" &&
    typeof (value as Response).ok === "boolean" &&
    typeof (value as Response).text === "function" &&
    typeof (value as Response).headers === "object"
  );
}

async function readAnswer(response: Response): Promise<unknown> {
  if (!response.ok) {
    throw await TallyError.fromResponse(response);
  }

  const text = await response.text();
  if (response.status === 204 || text.length === 0) {
    return undefined;
  }

  const type = response.headers.get("Content-Type") ?? "";
  return /[/+]json\b/i.test(type) ? JSON.parse(text) : text;
}

function newIdempotencyKey(): string {
  const cryptoApi = globalThis.crypto;
  if (typeof cryptoApi?.randomUUID === "function") {
    return cryptoApi.randomUUID();
  }

  // randomUUID needs a secure context in browsers; getRandomValues does not.
  const bytes = cryptoApi.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function report(error: unknown): void {
  const reportError = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof reportError === "function") {
    reportError(error);
  } else {
    console.error(error);
  }
}
