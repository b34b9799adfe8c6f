// The live stream behind TallyClient.subscribe(): one connection to
// GET /v1/accounts/{id}/events, kept open and resumed by Last-Event-ID after every failure, so a
// subscriber sees each journal change once and in order.

import { TallyError } from "./errors.js";
import { SseParser, type SseMessage } from "./sse.js";
import type { BalanceUpdate, ConnectionState } from "./types.js";

/** The part of the browser's EventSource the client uses (any WHATWG-conformant one will do). */
export interface EventSourceLike {
  onopen: ((event: Event) => unknown) | null;
  onerror: ((event: Event) => unknown) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export type EventSourceConstructor = new (url: string) => EventSourceLike;

export interface ReconnectOptions {
  /** The first wait after a failure (default 500 ms); it doubles on each failure in a row. */
  initialDelayMs?: number;
  /** The longest wait (default 30 s). Each wait is jittered to between half and all of it. */
  maxDelayMs?: number;
  /** A connection that stayed open this long (default 5 s), or delivered an event, starts the backoff over. */
  stableAfterMs?: number;
}

/** What the connection needs from its client. */
export interface LiveHost {
  readonly streamUrl: string;
  readonly fetch: typeof fetch;
  /** Set when browsers' EventSource is to be used (client tokens only: it puts the credential in the URL). */
  readonly EventSource: EventSourceConstructor | null;
  readonly reconnect: Required<ReconnectOptions>;
  /** 0 turns the watchdog off. */
  readonly heartbeatTimeoutMs: number;
  /** The credential to send now (asks for a token the first time when there is none yet). */
  credential(): Promise<string | null>;
  /** Whether a refused credential can be replaced (a getToken callback was given). */
  readonly canRefresh: boolean;
  /** The server refused `rejected` (401): get a new one; false when there is no way to. */
  refreshCredential(rejected: string | null): Promise<boolean>;
  /**
   * After an EventSource failed before opening (it cannot tell why): read the balance, which
   * refreshes the token on a 401 and throws a TallyError when the server refuses the read.
   */
  probe(): Promise<void>;
  deliver(update: BalanceUpdate): void;
  state(state: ConnectionState, error: unknown): void;
}

type Outcome =
  | { kind: "stopped" }
  | { kind: "retry"; error: unknown; afterMs?: number; now?: boolean }
  | { kind: "fatal"; error: unknown }
  | { kind: "probe" };

const STOPPED: Outcome = { kind: "stopped" };
const LONGEST_RETRY_AFTER_MS = 300_000;

export class LiveConnection {
  readonly #host: LiveHost;
  #generation = 0;
  #running = false;
  #lastEventId: string | null = null;
  #lastSeq: number | null = null;
  #firstOfConnection = true;
  #delivered = false;
  #attempt = 0;
  #serverRetryMs: number | null = null;
  #abort: AbortController | null = null;
  #cancel: (() => void) | null = null;

  constructor(host: LiveHost) {
    this.#host = host;
  }

  /** The id of the last event received (the account seq), sent as Last-Event-ID on reconnect. */
  get lastEventId(): string | null {
    return this.#lastEventId;
  }

  start(): void {
    if (this.#running) {
      return;
    }

    this.#running = true;
    this.#lastEventId = null;
    this.#lastSeq = null;
    this.#attempt = 0;
    this.#serverRetryMs = null;
    this.#launch();
  }

  stop(): void {
    if (!this.#running) {
      return;
    }

    this.#running = false;
    this.#generation++;
    this.#abort?.abort();
    this.#abort = null;
    this.#cancel?.();
    this.#cancel = null;
    this.#host.state("idle", null);
  }

  /**
   * Drops the connection now and opens a new one at once, resuming by Last-Event-ID (e.g. when
   * the browser comes back online). Does nothing unless started.
   */
  reconnect(): void {
    if (!this.#running) {
      return;
    }

    this.#abort?.abort();
    this.#abort = null;
    this.#cancel?.();
    this.#cancel = null;
    this.#attempt = 0;
    this.#launch();
  }

  #launch(): void {
    const generation = ++this.#generation;
    this.#run(generation).catch((error: unknown) => {
      // Nothing in the loop should throw (every failure is an outcome); if something does, the
      // stream says so instead of dying unseen.
      if (this.#alive(generation)) {
        this.#host.state("closed", error);
      }
    });
  }

  #alive(generation: number): boolean {
    return this.#running && generation === this.#generation;
  }

  async #run(generation: number): Promise<void> {
    let state: ConnectionState = this.#lastEventId === null ? "connecting" : "reconnecting";
    let error: unknown = null;
    let immediateRetries = 0;
    while (this.#alive(generation)) {
      this.#host.state(state, error);
      let outcome = this.#host.EventSource !== null ? await this.#viaEventSource(generation) : await this.#viaFetch(generation);
      if (outcome.kind === "probe" && this.#alive(generation)) {
        outcome = await this.#probe();
      }

      if (!this.#alive(generation) || outcome.kind === "stopped") {
        return;
      }

      if (outcome.kind === "fatal") {
        this.#host.state("closed", outcome.error);
        return;
      }

      state = "reconnecting";
      error = outcome.kind === "retry" ? outcome.error : null;
      // A fresh token is tried at once, but only once in a row: a token endpoint that keeps
      // handing out tokens the server refuses must not turn into a busy loop.
      if (outcome.kind === "retry" && outcome.now === true && immediateRetries === 0) {
        immediateRetries++;
        continue;
      }

      immediateRetries = 0;
      this.#host.state(state, error);
      await this.#sleep(generation, outcome.kind === "retry" && outcome.afterMs !== undefined ? outcome.afterMs : this.#nextDelay());
    }
  }

  #nextDelay(): number {
    const { initialDelayMs, maxDelayMs } = this.#host.reconnect;
    const base = this.#serverRetryMs ?? initialDelayMs;
    const delay = Math.min(maxDelayMs, base * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    // Jitter spreads the reconnects of many clients dropped at once (a server restart).
    return delay / 2 + Math.random() * (delay / 2);
  }

  #sleep(generation: number, milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#alive(generation)) {
        resolve();
        return;
      }

      const timer = setTimeout(() => {
        this.#cancel = null;
        resolve();
      }, milliseconds);
      this.#cancel = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #viaFetch(generation: number): Promise<Outcome> {
    let refreshed = false;
    for (;;) {
      let credential: string | null;
      try {
        credential = await this.#host.credential();
      } catch (error) {
        return { kind: "retry", error };
      }

      if (!this.#alive(generation)) {
        return STOPPED;
      }

      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (credential !== null) {
        headers["Authorization"] = `Bearer ${credential}`;
      }

      if (this.#lastEventId !== null) {
        headers["Last-Event-ID"] = this.#lastEventId;
      }

      const abort = new AbortController();
      this.#abort = abort;
      let response: Response;
      try {
        response = await this.#host.fetch(this.#host.streamUrl, { headers, signal: abort.signal, cache: "no-store" });
      } catch (error) {
        return this.#alive(generation) ? { kind: "retry", error } : STOPPED;
      }

      if (!this.#alive(generation)) {
        abort.abort();
        return STOPPED;
      }

      if (response.status === 401 && !refreshed) {
        await discard(response);
        let renewed: boolean;
        try {
          renewed = await this.#host.refreshCredential(credential);
        } catch (error) {
          return { kind: "retry", error };
        }

        if (renewed) {
          refreshed = true;
          continue;
        }

        return { kind: "fatal", error: new TallyError(401, "unauthorized", "401 unauthorized: the credential was refused and there is no getToken to renew it") };
      }

      if (!response.ok) {
        const error = await TallyError.fromResponse(response);
        return refusal(response, error, refreshed);
      }

      const type = response.headers.get("Content-Type") ?? "";
      if (!type.toLowerCase().startsWith("text/event-stream") || response.body === null) {
        await discard(response);
        return { kind: "retry", error: new TallyError(response.status, "not_an_event_stream", `expected text/event-stream, got ${type || "no Content-Type"}`) };
      }

      this.#opened();
      const openedAt = Date.now();
      const error = await this.#read(response.body, abort, generation);
      if (this.#delivered || Date.now() - openedAt >= this.#host.reconnect.stableAfterMs) {
        this.#attempt = 0;
      }

      return this.#alive(generation) ? { kind: "retry", error } : STOPPED;
    }
  }

  #opened(): void {
    this.#firstOfConnection = true;
    this.#delivered = false;
    this.#host.state("open", null);
  }

  /** Reads the stream until it ends, fails, goes quiet past the heartbeat timeout, or is stopped; answers why it ended. */
  async #read(body: ReadableStream<Uint8Array>, abort: AbortController, generation: number): Promise<unknown> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser({
      message: (message) => this.#message(message),
      retry: (milliseconds) => {
        this.#serverRetryMs = Math.max(milliseconds, 1);
      },
    });
    const timeout = this.#host.heartbeatTimeoutMs;
    let silent: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      if (timeout > 0) {
        clearTimeout(silent);
        // The server pings every 15 s; a connection silent for longer is dead (a NAT or proxy
        // dropped it without a FIN) and waiting on it would freeze the balance.
        silent = setTimeout(() => abort.abort(new Error(`no data for ${timeout} ms`)), timeout);
      }
    };

    watch();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || !this.#alive(generation)) {
          break;
        }

        watch();
        parser.push(decoder.decode(value, { stream: true }));
      }

      parser.push(decoder.decode());
      return new Error("the server ended the stream");
    } catch (error) {
      return abort.signal.aborted && abort.signal.reason !== undefined ? abort.signal.reason : error;
    } finally {
      clearTimeout(silent);
      parser.end();
      abort.abort();
    }
  }

  #message(message: SseMessage): void {
    if (message.type !== "balance.updated") {
      return;
    }

    let update: BalanceUpdate;
    try {
      update = JSON.parse(message.data) as BalanceUpdate;
    } catch {
      return;
    }

    if (typeof update !== "object" || update === null || typeof update.seq !== "number") {
      return;
    }

    const first = this.#firstOfConnection;
    this.#firstOfConnection = false;
    this.#lastEventId = message.lastEventId.length > 0 ? message.lastEventId : String(update.seq);
    // A replay starts after Last-Event-ID, so nothing should come twice; the check keeps that
    // true whatever a proxy or a server does. A snapshot opening a connection is always taken:
    // it is the server's word on the current state, even behind what we saw (a restored backup).
    if (this.#lastSeq !== null && update.seq <= this.#lastSeq && !(first && update.entry === null)) {
      return;
    }

    this.#lastSeq = update.seq;
    this.#delivered = true;
    this.#host.deliver(update);
  }

  async #viaEventSource(generation: number): Promise<Outcome> {
    const Source = this.#host.EventSource!;
    let credential: string | null;
    try {
      credential = await this.#host.credential();
    } catch (error) {
      return { kind: "retry", error };
    }

    if (!this.#alive(generation)) {
      return STOPPED;
    }

    let url: URL;
    try {
      // A relative baseUrl (Tally behind the page's own origin) resolves against the page.
      url = new URL(this.#host.streamUrl, (globalThis as { location?: { href: string } }).location?.href);
    } catch (error) {
      return { kind: "fatal", error };
    }

    // EventSource cannot send headers: the endpoint takes the client token and the resume point
    // in the query instead.
    if (credential !== null) {
      url.searchParams.set("access_token", credential);
    }

    if (this.#lastEventId !== null) {
      url.searchParams.set("lastEventId", this.#lastEventId);
    }

    return new Promise<Outcome>((resolve) => {
      const source = new Source(url.toString());
      let openedAt: number | null = null;
      const finish = (outcome: Outcome) => {
        source.onopen = null;
        source.onerror = null;
        source.close();
        this.#cancel = null;
        resolve(outcome);
      };

      this.#cancel = () => finish(STOPPED);
      source.onopen = () => {
        openedAt = Date.now();
        this.#opened();
      };
      source.addEventListener("balance.updated", (event) => {
        this.#message({ type: "balance.updated", data: event.data, lastEventId: event.lastEventId });
      });
      // EventSource would reconnect by itself, but with the URL it was made with: the old token
      // and no resume point. The client closes it and reconnects on its own terms.
      source.onerror = () => {
        if (openedAt === null) {
          finish({ kind: "probe" });
          return;
        }

        if (this.#delivered || Date.now() - openedAt >= this.#host.reconnect.stableAfterMs) {
          this.#attempt = 0;
        }

        finish({ kind: "retry", error: new Error("the event stream failed") });
      };
    });
  }

  /** An EventSource failed before it opened, which may be an expired token: a plain read tells. */
  async #probe(): Promise<Outcome> {
    const before = await this.#host.credential().catch(() => null);
    try {
      await this.#host.probe();
    } catch (error) {
      if (error instanceof TallyError && (error.status === 403 || error.status === 400 || (error.status === 401 && !this.#host.canRefresh))) {
        return { kind: "fatal", error };
      }

      return { kind: "retry", error };
    }

    const after = await this.#host.credential().catch(() => null);
    const error = new Error("the event stream could not be opened");
    return after !== before ? { kind: "retry", error, now: true } : { kind: "retry", error };
  }
}

/** How a refused stream request goes on: some answers cannot change by retrying. */
function refusal(response: Response, error: TallyError, refreshed: boolean): Outcome {
  switch (response.status) {
    case 400:
    case 403:
      return { kind: "fatal", error };
    case 401:
      // A token just fetched was refused too: the token endpoint may be behind; try again later.
      return refreshed ? { kind: "retry", error } : { kind: "fatal", error };
    case 429:
    case 503: {
      const seconds = Number(response.headers.get("Retry-After"));
      return Number.isFinite(seconds) && seconds > 0
        ? { kind: "retry", error, afterMs: Math.min(seconds * 1000, LONGEST_RETRY_AFTER_MS) }
        : { kind: "retry", error };
    }
    default:
      return { kind: "retry", error };
  }
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Already closed.
  }
}
