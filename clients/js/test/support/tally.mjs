// A real Tally server for the tests: the Release build of this checkout (test.sh builds it
// first), on a free loopback port, over a SQLite file in a temporary folder, with an admin key
// made at start through TALLY_BOOTSTRAP_API_KEY. One per test file; stop() removes everything.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repository = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const serverDll = process.env.TALLY_SERVER_DLL ?? join(repository, "src/Tally.Server/bin/Release/net10.0/Tally.Server.dll");
const startTimeoutMs = 60_000;

/** Polls `condition` until it answers something truthy (then returns it); fails after `timeoutMs`. */
export async function waitFor(condition, { timeoutMs = 30_000, intervalMs = 20, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await condition();
      if (value) {
        return value;
      }
    } catch (error) {
      last = error;
    }

    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
    }

    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** A fresh account id, so tests never see each other's changes. */
export function accountId(label) {
  return `js-${label}-${randomBytes(4).toString("hex")}`;
}

export class TallyServer {
  /** `env`: extra settings (e.g. TALLY_SSE_PING_SECONDS). */
  static async start(env = {}) {
    if (!existsSync(serverDll)) {
      throw new Error(`${serverDll} is missing: build first (dotnet build Tally.slnx -c Release)`);
    }

    const server = new TallyServer(env, await freePort());
    await server.#launch();
    return server;
  }

  #env;
  #process = null;
  #exited = null;
  #folder = mkdtempSync(join(tmpdir(), "tally-js-"));

  constructor(env, port) {
    this.#env = env;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.apiKey = "tally_sk_" + randomBytes(30).toString("base64url");
    this.logPath = join(this.#folder, "server.log");
  }

  async #launch() {
    const environment = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(TALLY_|CREDIT_|DODO_|ASPNETCORE_|DOTNET_URLS$|URLS$|DOTNET_ENVIRONMENT$)/.test(name),
      ),
    );
    Object.assign(environment, {
      TALLY_DATABASE: `sqlite:${join(this.#folder, "t.db")}`,
      TALLY_BOOTSTRAP_API_KEY: this.apiKey,
      ASPNETCORE_ENVIRONMENT: "Production",
      TALLY_RECONCILE_INTERVAL_SECONDS: "0",
      DOTNET_CLI_TELEMETRY_OPTOUT: "1",
      DOTNET_NOLOGO: "1",
      ...this.#env,
    });
    const log = openSync(this.logPath, "a");
    try {
      this.#process = spawn("dotnet", [serverDll, "--urls", this.url], {
        env: environment,
        stdio: ["ignore", log, log],
      });
    } finally {
      closeSync(log);
    }

    const child = this.#process;
    this.#exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
    let exited = null;
    this.#exited.then((status) => {
      exited = status;
    });
    try {
      await waitFor(
        async () => {
          if (exited !== null) {
            throw new Error(`the server exited (${JSON.stringify(exited)})`);
          }

          const response = await fetch(`${this.url}/healthz`);
          await response.arrayBuffer();
          return response.status === 200;
        },
        { timeoutMs: startTimeoutMs, intervalMs: 100, what: "GET /healthz to answer 200" },
      );
    } catch (error) {
      error.message += `\n--- server log ---\n${this.log().slice(-4000)}`;
      await this.#kill();
      throw error;
    }
  }

  log() {
    try {
      return readFileSync(this.logPath, "utf8");
    } catch {
      return "";
    }
  }

  async #kill() {
    const child = this.#process;
    if (child === null) {
      return;
    }

    this.#process = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  /** Stops the process and starts it again on the same port over the same database. */
  async restart() {
    await this.#kill();
    await this.#launch();
  }

  /** Stops the server and removes its folder. */
  async stop() {
    await this.#kill();
    rmSync(this.#folder, { recursive: true, force: true });
  }

  /** One request with the admin key (or `key`); answers { status, headers, body }. */
  async request(method, path, body, { key = this.apiKey, headers = {} } = {}) {
    const sent = { ...headers };
    if (key !== null) {
      sent.Authorization = `Bearer ${key}`;
    }

    if (body !== undefined) {
      sent["Content-Type"] = "application/json";
    }

    const response = await fetch(this.url + path, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text.length > 0 ? JSON.parse(text) : null };
  }

  async #expect(status, method, path, body) {
    const answer = await this.request(method, path, body);
    if (answer.status !== status) {
      throw new Error(`${method} ${path} answered ${answer.status}, expected ${status}: ${JSON.stringify(answer.body)}`);
    }

    return answer.body;
  }

  /** Grants credits (creating the account, with its signup grant, the first time). */
  grant(account, amount) {
    return this.#expect(201, "POST", `/v1/accounts/${encodeURIComponent(account)}/grants`, { amount });
  }

  charge(account, amount) {
    return this.#expect(201, "POST", `/v1/accounts/${encodeURIComponent(account)}/charges`, { amount });
  }

  /** A client token for `account`. */
  async clientToken(account, ttlSeconds = 600) {
    const body = await this.#expect(201, "POST", `/v1/accounts/${encodeURIComponent(account)}/client-tokens`, { ttlSeconds });
    return body.token;
  }
}
