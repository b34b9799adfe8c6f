// A parser for the text/event-stream format, as the WHATWG HTML standard defines it
// ("9.2.6 Interpreting an event stream"), for runtimes without EventSource (Node) or where the
// client needs headers EventSource cannot send. It takes decoded text in chunks of any size — a
// line, or a CR LF pair, may be split across chunks — and calls back once per dispatched event.

/** One dispatched event: its type (`message` when the stream named none), data and the stream's last event id. */
export interface SseMessage {
  type: string;
  data: string;
  lastEventId: string;
}

export interface SseHandlers {
  message(message: SseMessage): void;
  /** A `retry:` field: the reconnection time the server asks for, in milliseconds. */
  retry?(milliseconds: number): void;
  /** A comment line (`: ping`), without its colon. */
  comment?(text: string): void;
}

const LF = 10;
const CR = 13;

export class SseParser {
  readonly #handlers: SseHandlers;
  #pending = "";
  #started = false;
  #afterCR = false;
  #type = "";
  #data = "";
  #hasData = false;
  #lastEventId = "";

  constructor(handlers: SseHandlers) {
    this.#handlers = handlers;
  }

  /** The last event id the stream set (it persists across events, as in EventSource). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Feeds decoded text. */
  push(chunk: string): void {
    let text = this.#pending + chunk;
    this.#pending = "";
    if (!this.#started) {
      if (text.length === 0) {
        return;
      }

      // One leading U+FEFF is ignored; the stream is otherwise UTF-8 only.
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
      }

      this.#started = true;
    }

    let start = 0;
    if (this.#afterCR && text.length > 0) {
      // The previous chunk ended in CR: an LF opening this one belongs to the same line break.
      if (text.charCodeAt(0) === LF) {
        start = 1;
      }

      this.#afterCR = false;
    }

    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) {
        continue;
      }

      this.#line(text.slice(start, i));
      if (c === CR) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === LF) {
            i++;
          }
        } else {
          this.#afterCR = true;
        }
      }

      start = i + 1;
    }

    this.#pending = text.slice(start);
  }

  /** The stream ended: an event not yet closed by a blank line is discarded, as the standard says. */
  end(): void {
    this.#pending = "";
    this.#type = "";
    this.#data = "";
    this.#hasData = false;
    this.#afterCR = false;
  }

  #line(line: string): void {
    if (line.length === 0) {
      this.#dispatch();
      return;
    }

    if (line.charCodeAt(0) === 0x3a /* : */) {
      this.#handlers.comment?.(line.slice(1).replace(/^ /, ""));
      return;
    }

    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) {
      value = value.slice(1);
    }

    switch (field) {
      case "event":
        this.#type = value;
        break;
      case "data":
        this.#data += value + "\n";
        this.#hasData = true;
        break;
      case "id":
        // An id containing NULL is ignored, so a stream cannot set one the header could not carry.
        if (!value.includes("\0")) {
          this.#lastEventId = value;
        }
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) {
          this.#handlers.retry?.(Number(value));
        }
        break;
      default:
        // Unknown fields are ignored.
        break;
    }
  }

  #dispatch(): void {
    if (!this.#hasData) {
      this.#type = "";
      return;
    }

    const message: SseMessage = {
      type: this.#type.length > 0 ? this.#type : "message",
      data: this.#data.slice(0, -1),
      lastEventId: this.#lastEventId,
    };
    this.#type = "";
    this.#data = "";
    this.#hasData = false;
    this.#handlers.message(message);
  }
}
