// A stand-in for the integrator's backend: it knows the signed-in user from its own session
// (here the X-User header), holds the Tally API key, and charges through Tally — the way
// TallyClient.charge() and withCredits() expect a host app to work (SPEC §7).

import { createServer } from "node:http";

export class HostApp {
  static async start(tally) {
    const host = new HostApp(tally);
    await new Promise((resolve) => host.#server.listen(0, "127.0.0.1", resolve));
    host.url = `http://127.0.0.1:${host.#server.address().port}`;
    return host;
  }

  /** The Idempotency-Key of every charge request the host received. */
  keys = [];
  #server;

  constructor(tally) {
    this.#server = createServer(async (request, response) => {
      let body = "";
      for await (const chunk of request) {
        body += chunk;
      }

      const user = request.headers["x-user"];
      const key = request.headers["idempotency-key"];
      this.keys.push(key);
      const headers = { Authorization: `Bearer ${tally.apiKey}`, "Content-Type": "application/json" };
      if (key !== undefined) {
        headers["Idempotency-Key"] = key;
      }

      // /api/charge forwards the browser's charge as it is; /api/generate is a paid feature
      // whose price the host decides (5 credits), as a real tool would.
      const charge = request.url === "/api/generate" ? JSON.stringify({ amount: 5, description: "generate" }) : body;
      const answer = await fetch(`${tally.url}/v1/accounts/${encodeURIComponent(user)}/charges`, { method: "POST", headers, body: charge });
      const text = await answer.text();
      if (request.url === "/api/generate" && answer.ok) {
        response.writeHead(200, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ image: "cat.png", creditsUsed: 5 }));
        return;
      }

      response.writeHead(answer.status, { "Content-Type": answer.headers.get("Content-Type") ?? "application/json" });
      response.end(text);
    });
  }

  close() {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(resolve));
  }
}
