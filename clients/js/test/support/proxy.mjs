// A TCP proxy in front of the server, to break connections the way networks do: cut() resets
// every connection and refuses new ones until restore(); freeze() stops forwarding on the
// connections open now without closing them (a NAT that forgot them), while new ones pass.
// It also keeps each connection's request head, so tests can see what the client sent.

import { createConnection, createServer } from "node:net";

export class Proxy {
  static async start(targetPort) {
    const proxy = new Proxy(targetPort);
    await new Promise((resolve, reject) => {
      proxy.#server.once("error", reject);
      proxy.#server.listen(0, "127.0.0.1", resolve);
    });
    proxy.port = proxy.#server.address().port;
    proxy.url = `http://127.0.0.1:${proxy.port}`;
    return proxy;
  }

  #sent = [];
  #target;
  #refusing = false;
  #open = new Set();
  #server;

  constructor(targetPort) {
    this.#target = targetPort;
    this.#server = createServer((client) => this.#accept(client));
  }

  /** The head (request line and headers) of every request that went through, oldest connection first. */
  get requests() {
    return this.#sent.flatMap((pair) => pair.text.match(/^[A-Z]+ [^\r\n]+ HTTP\/1\.1\r\n(?:[^\r\n]+\r\n)*/gm) ?? []);
  }

  /** Connections open now. */
  get connections() {
    return this.#open.size;
  }

  #accept(client) {
    if (this.#refusing) {
      client.resetAndDestroy();
      return;
    }

    const upstream = createConnection({ host: "127.0.0.1", port: this.#target });
    const pair = { client, upstream, frozen: false, text: "" };
    this.#open.add(pair);
    this.#sent.push(pair);
    client.on("data", (chunk) => {
      if (pair.text.length < 65_536) {
        pair.text += chunk.toString("latin1");
      }

      if (!pair.frozen) {
        upstream.write(chunk);
      }
    });
    upstream.on("data", (chunk) => {
      if (!pair.frozen) {
        client.write(chunk);
      }
    });
    const close = () => {
      this.#open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  }

  /** Resets every connection and refuses new ones. */
  cut() {
    this.#refusing = true;
    for (const pair of this.#open) {
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }

    this.#open.clear();
  }

  restore() {
    this.#refusing = false;
  }

  /** Silently drops everything on the connections open now (they stay open); new ones work. */
  freeze() {
    for (const pair of this.#open) {
      pair.frozen = true;
    }
  }

  async close() {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
