// TallyClient against a real Tally server (one for this file), through a TCP proxy where a test
// breaks the network. No fixed sleeps: every wait polls for its condition with a deadline.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { EventSource as UndiciEventSource } from "undici";
import { TallyClient, TallyError } from "@tally/client";
import { HostApp } from "./support/host.mjs";
import { Proxy } from "./support/proxy.mjs";
import { TallyServer, accountId, waitFor } from "./support/tally.mjs";

/** @type {TallyServer} */
let tally;
/** @type {Proxy} */
let proxy;
/** @type {HostApp} */
let host;

// Fast backoff so reconnects take milliseconds; pings every second so the heartbeat test is quick;
// a replay of at most 5 entries so "too far behind" is 6 charges away.
const fast = { initialDelayMs: 20, maxDelayMs: 250, stableAfterMs: 1000 };
const replayLimit = 5;

before(async () => {
  tally = await TallyServer.start({ TALLY_SSE_PING_SECONDS: "1", TALLY_SSE_REPLAY_LIMIT: String(replayLimit) });
  proxy = await Proxy.start(tally.port);
  host = await HostApp.start(tally);
});

// Every client a test made is closed after it, passed or failed, so no reconnect loop outlives it.
const made = [];
function newClient(options) {
  const client = new TallyClient(options);
  made.push(client);
  return client;
}

afterEach(() => {
  for (const client of made.splice(0)) {
    client.close();
  }
});

after(async () => {
  await host?.close();
  await proxy?.close();
  await tally?.stop();
});

/** A fetch that records every request's method, URL, headers and answer status. */
function recordingFetch() {
  const calls = [];
  const recording = async (url, init = {}) => {
    const call = { url: String(url), method: init.method ?? "GET", headers: new Headers(init.headers), status: null };
    calls.push(call);
    const response = await fetch(url, init);
    call.status = response.status;
    return response;
  };
  return { fetch: recording, calls };
}

/** Subscribes and collects every update. */
function collect(client) {
  const updates = [];
  const unsubscribe = client.subscribe((update) => updates.push(update));
  return { updates, unsubscribe, entries: () => updates.filter((u) => u.entry !== null) };
}

const available = (update) => update.balances.find((b) => b.unit === "credits").available;

describe("getBalance", () => {
  test("reads the balance, then revalidates with the quoted ETag and takes a 304 as the cached value", async () => {
    const account = accountId("etag");
    await tally.grant(account, 50);
    const { fetch: recording, calls } = recordingFetch();
    const client = newClient({ baseUrl: tally.url, account, apiKey: tally.apiKey, fetch: recording });

    const first = await client.getBalance();
    assert.equal(first.account, account);
    assert.equal(first.balances.find((b) => b.unit === "credits").available, 150);
    assert.equal(calls[0].headers.get("If-None-Match"), null);
    assert.equal(calls[0].status, 200);

    const second = await client.getBalance();
    assert.equal(calls[1].headers.get("If-None-Match"), `"${first.seq}"`);
    assert.equal(calls[1].status, 304);
    assert.deepEqual(second, first);

    await tally.charge(account, 7);
    const third = await client.getBalance();
    assert.equal(calls[2].headers.get("If-None-Match"), `"${first.seq}"`);
    assert.equal(calls[2].status, 200);
    assert.equal(third.seq, first.seq + 1);
    assert.equal(available(third), 143);
    assert.deepEqual(client.balance, third);
    assert.equal(client.available(), 143);
  });

  test("a 401 asks getToken for a new token and tries once more", async () => {
    const account = accountId("token");
    await tally.grant(account, 1);
    const tokens = ["tally_ct_bogus", await tally.clientToken(account)];
    let asked = 0;
    const client = newClient({ baseUrl: tally.url, account, getToken: async () => tokens[asked++] });

    const balance = await client.getBalance();
    assert.equal(available(balance), 101);
    assert.equal(asked, 2, "once at start, once after the 401");
    await client.getBalance();
    assert.equal(asked, 2, "a working token is kept");
  });

  test("without getToken a refused token is a TallyError 401, and another account's token a 403", async () => {
    const account = accountId("refused");
    await tally.grant(account, 1);
    const stranger = newClient({ baseUrl: tally.url, account, token: "tally_ct_bogus" });
    await assert.rejects(stranger.getBalance(), (error) => error instanceof TallyError && error.status === 401 && error.code === "unauthorized");
    assert.ok(stranger.getSnapshot().error instanceof TallyError, "the failure is in the snapshot for UIs");

    const other = accountId("other");
    await tally.grant(other, 1);
    const misplaced = newClient({ baseUrl: tally.url, account, token: await tally.clientToken(other) });
    await assert.rejects(misplaced.getBalance(), (error) => error instanceof TallyError && error.status === 403);
  });
});

describe("withCredits and charge", () => {
  test("withCredits runs the host call, returns its JSON, refreshes the balance and tells subscribers", async () => {
    const account = accountId("with");
    await tally.grant(account, 20);
    const client = newClient({ baseUrl: tally.url, account, apiKey: tally.apiKey });
    await client.getBalance();
    const stream = collect(client);

    const result = await client.withCredits(() => fetch(`${host.url}/api/generate`, { method: "POST", headers: { "X-User": account } }));
    assert.deepEqual(result, { image: "cat.png", creditsUsed: 5 });
    // Both at once, without waiting: the refresh ran before withCredits resolved.
    assert.equal(client.available(), 115);
    assert.ok(stream.updates.some((u) => available(u) === 115), "subscribers were told");
    stream.unsubscribe();
  });

  test("withCredits turns a refusal into a TallyError with the problem's details, and still refreshes", async () => {
    const account = accountId("poor");
    await tally.grant(account, 1);
    const client = newClient({ baseUrl: tally.url, account, apiKey: tally.apiKey });
    await tally.charge(account, 50); // behind the client's back: only the refresh can tell it
    const call = () =>
      fetch(`${host.url}/api/charge`, { method: "POST", headers: { "X-User": account, "Content-Type": "application/json" }, body: JSON.stringify({ amount: 1000 }) });
    await assert.rejects(client.withCredits(call), (error) => {
      assert.ok(error instanceof TallyError);
      assert.equal(error.status, 402);
      assert.equal(error.code, "insufficient_credits");
      assert.equal(error.available, 51);
      assert.equal(error.required, 1000);
      return true;
    });
    assert.equal(client.available(), 51);
  });

  test("withCredits passes through what a non-fetch call returns", async () => {
    const account = accountId("plain");
    await tally.grant(account, 1);
    const client = newClient({ baseUrl: tally.url, account, apiKey: tally.apiKey });
    assert.equal(await client.withCredits(async () => 42), 42);
    assert.equal(client.available(), 101);
  });

  test("charge() posts to the host backend with an Idempotency-Key and the balance follows", async () => {
    const account = accountId("charge");
    await tally.grant(account, 10);
    const client = newClient({ baseUrl: tally.url, account, apiKey: tally.apiKey, chargeUrl: `${host.url}/api/charge` });
    const stream = collect(client);
    await waitFor(() => stream.updates.length > 0, { what: "the snapshot" });

    const answer = await client.charge({ amount: 3, description: "x" }, { headers: { "X-User": account } });
    assert.equal(answer.entry.amount, -3);
    assert.equal(client.available(), 107);
    const key = host.keys.at(-1);
    assert.match(key, /^[0-9a-f-]{32,36}$/);

    // The same key again (a retry after a lost answer) charges nothing more.
    const again = await client.charge({ amount: 3, description: "x" }, { headers: { "X-User": account }, idempotencyKey: key });
    assert.equal(again.entry.id, answer.entry.id);
    assert.equal((await client.getBalance()).balances[0].available, 107);
    await waitFor(() => stream.entries().length === 1 && stream.entries()[0].entry.id === answer.entry.id, { what: "the charge on the stream" });
    stream.unsubscribe();
  });

  test("charge() without a chargeUrl refuses rather than calling Tally", async () => {
    const client = newClient({ baseUrl: tally.url, account: "nobody", token: "tally_ct_x" });
    await assert.rejects(client.charge({ amount: 1 }), /chargeUrl/);
  });
});

describe("subscribe", () => {
  test("a subscriber gets the snapshot, then each charge made with the API key", async () => {
    const account = accountId("live");
    await tally.grant(account, 5);
    const client = newClient({ baseUrl: tally.url, account, apiKey: tally.apiKey, reconnect: fast });
    const stream = collect(client);
    await waitFor(() => client.connection === "open" && stream.updates.length === 1, { what: "the snapshot" });
    const snapshot = stream.updates[0];
    assert.equal(snapshot.entry, null);
    assert.equal(available(snapshot), 105);

    const charged = await tally.charge(account, 4);
    await waitFor(() => stream.updates.length === 2, { what: "the charge" });
    const update = stream.updates[1];
    assert.equal(update.seq, snapshot.seq + 1);
    assert.equal(update.entry.id, charged.entry.id);
    assert.equal(update.entry.type, "charge");
    assert.equal(update.entry.amount, -4);
    assert.equal(available(update), 101);
    assert.equal(client.available(), 101);

    stream.unsubscribe();
    assert.equal(client.connection, "idle");
  });

  test("subscribers share one connection, and the last unsubscribe closes it", async () => {
    const account = accountId("shared");
    await tally.grant(account, 1);
    const before = proxy.requests.length;
    const client = newClient({ baseUrl: proxy.url, account, apiKey: tally.apiKey, reconnect: fast });
    const a = collect(client);
    const b = collect(client);
    await waitFor(() => a.updates.length === 1 && b.updates.length === 1, { what: "the snapshot at both" });
    const late = collect(client);
    await waitFor(() => late.updates.length === 1, { what: "the current balance for a late subscriber" });
    assert.equal(late.updates[0].entry, null);
    late.unsubscribe();
    await tally.charge(account, 1);
    await waitFor(() => a.entries().length === 1 && b.entries().length === 1, { what: "the charge at both" });
    const streams = proxy.requests.slice(before).filter((r) => r.includes("/events"));
    assert.equal(streams.length, 1);

    a.unsubscribe();
    assert.equal(client.connection, "open");
    b.unsubscribe();
    assert.equal(client.connection, "idle");
    await waitFor(() => proxy.connections === 0, { what: "the connection to close" });
  });

  test("after a cut connection it resumes by Last-Event-ID: charges made meanwhile arrive once, in order", async () => {
    const account = accountId("resume");
    await tally.grant(account, 100);
    const client = newClient({ baseUrl: proxy.url, account, apiKey: tally.apiKey, reconnect: fast });
    const states = [];
    client.onChange(() => states.push(client.connection));
    const stream = collect(client);
    await waitFor(() => client.connection === "open" && stream.updates.length === 1, { what: "the snapshot" });
    const start = stream.updates[0].seq;

    proxy.cut();
    await waitFor(() => client.connection === "reconnecting", { what: "the client to notice" });
    const made = [];
    for (const amount of [1, 2, 3]) {
      made.push((await tally.charge(account, amount)).entry.id);
    }

    const requestsBefore = proxy.requests.length;
    proxy.restore();
    await waitFor(() => stream.entries().length >= 3, { what: "the three charges" });
    await tally.charge(account, 4);
    await waitFor(() => stream.entries().length >= 4, { what: "a charge after the resume" });

    const entries = stream.entries();
    assert.deepEqual(entries.map((u) => u.entry.id).slice(0, 3), made);
    assert.deepEqual(entries.map((u) => u.seq), [start + 1, start + 2, start + 3, start + 4]);
    assert.deepEqual(entries.map((u) => u.entry.amount), [-1, -2, -3, -4]);
    assert.equal(stream.updates.length, 5, "no snapshot again, no duplicates");
    assert.equal(client.available(), 190);
    const resumed = proxy.requests.slice(requestsBefore).find((r) => r.includes("/events"));
    assert.match(resumed, new RegExp(`\\r\\nLast-Event-ID: ${start}\\r\\n`, "i"));
    assert.ok(states.includes("reconnecting") && states.at(-1) === "open");
    stream.unsubscribe();
  });

  test("reconnect() opens a new connection at once and resumes where the old one was", async () => {
    const account = accountId("again");
    await tally.grant(account, 1);
    const client = newClient({ baseUrl: proxy.url, account, apiKey: tally.apiKey, reconnect: fast });
    const stream = collect(client);
    await waitFor(() => client.connection === "open" && stream.updates.length === 1, { what: "the snapshot" });
    const start = stream.updates[0].seq;
    const before = proxy.requests.length;

    client.reconnect();
    await tally.charge(account, 1);
    await waitFor(() => stream.entries().length === 1, { what: "the charge" });
    assert.equal(stream.updates.length, 2, "no second snapshot");
    const streams = proxy.requests.slice(before).filter((r) => r.includes("/events"));
    assert.equal(streams.length, 1);
    assert.match(streams[0], new RegExp(`\\r\\nLast-Event-ID: ${start}\\r\\n`, "i"));
  });

  test("too far behind for a replay, it gets a fresh snapshot with the current balance, then goes on live", async () => {
    const account = accountId("behind");
    await tally.grant(account, 100);
    const client = newClient({ baseUrl: proxy.url, account, apiKey: tally.apiKey, reconnect: fast });
    const stream = collect(client);
    await waitFor(() => client.connection === "open" && stream.updates.length === 1, { what: "the snapshot" });
    const start = stream.updates[0].seq;

    proxy.cut();
    for (let i = 0; i <= replayLimit; i++) {
      await tally.charge(account, 1);
    }

    proxy.restore();
    const missed = replayLimit + 1;
    await waitFor(() => stream.updates.length === 2, { what: "the fresh snapshot" });
    assert.equal(stream.updates[1].entry, null);
    assert.equal(stream.updates[1].seq, start + missed);
    assert.equal(available(stream.updates[1]), 200 - missed);

    await tally.charge(account, 1);
    await waitFor(() => stream.entries().length === 1, { what: "the next charge" });
    assert.equal(stream.entries()[0].seq, start + missed + 1);
    assert.equal(client.available(), 200 - missed - 1);
  });

  test("a server restart on the same port and database is survived, and nothing is lost", async () => {
    const account = accountId("restart");
    await tally.grant(account, 100);
    const client = newClient({ baseUrl: proxy.url, account, apiKey: tally.apiKey, reconnect: fast });
    const stream = collect(client);
    await waitFor(() => client.connection === "open" && stream.updates.length === 1, { what: "the snapshot" });
    const start = stream.updates[0].seq;
    await tally.charge(account, 10);
    await waitFor(() => stream.entries().length === 1, { what: "the first charge" });

    // Held off while the server is down and while the charges are made, so they are certainly
    // missed and must come from the replay.
    proxy.cut();
    await tally.restart();
    await tally.charge(account, 20);
    await tally.charge(account, 30);
    proxy.restore();

    await waitFor(() => stream.entries().length === 3, { what: "the charges made across the restart" });
    assert.deepEqual(stream.entries().map((u) => u.seq), [start + 1, start + 2, start + 3]);
    assert.deepEqual(stream.entries().map((u) => u.entry.amount), [-10, -20, -30]);
    assert.equal(stream.updates.length, 4);
    assert.equal(client.available(), 140);
    await waitFor(() => client.connection === "open", { what: "the stream to be open" });
    stream.unsubscribe();
  });

  test("a connection that goes silent (no pings) is dropped and resumed", async () => {
    const account = accountId("silent");
    await tally.grant(account, 1);
    const client = newClient({ baseUrl: proxy.url, account, apiKey: tally.apiKey, reconnect: fast, heartbeatTimeoutMs: 2500 });
    const stream = collect(client);
    await waitFor(() => client.connection === "open" && stream.updates.length === 1, { what: "the snapshot" });

    proxy.freeze(); // the TCP connection stays up, but no byte crosses it any more
    await tally.charge(account, 1);
    await waitFor(() => stream.entries().length === 1, { what: "the charge, after the watchdog reconnected" });
    assert.equal(stream.entries()[0].entry.amount, -1);
    stream.unsubscribe();
  });

  test("a refused token is renewed through getToken and the stream goes on", async () => {
    const account = accountId("renew");
    await tally.grant(account, 1);
    let asked = 0;
    const client = newClient({
      baseUrl: tally.url,
      account,
      EventSource: false,
      reconnect: fast,
      getToken: async () => (asked++ === 0 ? "tally_ct_bogus" : tally.clientToken(account)),
    });
    const stream = collect(client);
    await waitFor(() => stream.updates.length === 1, { what: "the snapshot" });
    assert.equal(asked, 2);
    await tally.charge(account, 1);
    await waitFor(() => stream.entries().length === 1, { what: "the charge" });
    stream.unsubscribe();
  });

  test("a token that expires while connected is renewed on the reconnect, and nothing is missed", async () => {
    const account = accountId("expiry");
    await tally.grant(account, 1);
    const issued = [];
    const client = newClient({
      baseUrl: proxy.url,
      account,
      EventSource: false,
      reconnect: fast,
      // The first token lives one to two seconds (the server truncates its expiry to the
      // second); later ones ten minutes.
      getToken: async () => {
        const token = await tally.clientToken(account, issued.length === 0 ? 2 : 600);
        issued.push(token);
        return token;
      },
    });
    const stream = collect(client);
    await waitFor(() => stream.updates.length === 1, { what: "the snapshot" });
    assert.equal(issued.length, 1, "connected with the first token");
    // Not a sleep: ask the server until it refuses the first token.
    await waitFor(
      async () => (await tally.request("GET", `/v1/accounts/${account}/balance`, undefined, { key: issued[0] })).status === 401,
      { intervalMs: 100, what: "the first token to expire" },
    );

    proxy.cut();
    await tally.charge(account, 1);
    proxy.restore();
    await waitFor(() => stream.entries().length === 1, { what: "the charge made while cut" });
    assert.equal(issued.length, 2, "one new token, asked for after the 401");
    assert.equal(client.connection, "open");
    stream.unsubscribe();
  });

  test("without a way to renew it, a refused credential closes the stream with the error", async () => {
    const account = accountId("closed");
    await tally.grant(account, 1);
    const client = newClient({ baseUrl: tally.url, account, token: "tally_ct_bogus", EventSource: false, reconnect: fast });
    const stream = collect(client);
    await waitFor(() => client.connection === "closed", { what: "the stream to give up" });
    const { error } = client.getSnapshot();
    assert.ok(error instanceof TallyError && error.status === 401);
    stream.unsubscribe();
    assert.equal(client.connection, "idle");
  });
});

describe("subscribe in a browser (EventSource)", () => {
  test("the client token goes in ?access_token=, a reconnect resumes with ?lastEventId=, and a refused token is renewed", async () => {
    const account = accountId("browser");
    await tally.grant(account, 1);
    let asked = 0;
    const client = newClient({
      baseUrl: proxy.url,
      account,
      EventSource: UndiciEventSource,
      reconnect: fast,
      getToken: async () => (asked++ === 0 ? "tally_ct_bogus" : tally.clientToken(account)),
    });
    const before = proxy.requests.length;
    const stream = collect(client);
    // EventSource cannot tell why it failed: the client reads the balance to find out, gets the
    // 401, renews the token (subscribers hear that read's balance), then the stream's snapshot.
    await waitFor(() => client.connection === "open" && stream.updates.length === 2, { what: "the snapshot" });
    assert.equal(asked, 2, "the bogus token was refused and renewed");
    const start = stream.updates[1].seq;
    const opened = proxy.requests.slice(before).filter((r) => r.includes("/events"));
    assert.match(opened.at(-1), /^GET \/v1\/accounts\/[^/]+\/events\?access_token=tally_ct_[^ &]+ HTTP/);
    assert.doesNotMatch(opened.at(-1), /\r\nAuthorization:/i);

    proxy.cut();
    await waitFor(() => client.connection === "reconnecting", { what: "the client to notice" });
    await tally.charge(account, 1);
    await tally.charge(account, 2);
    const cutAt = proxy.requests.length;
    proxy.restore();
    await waitFor(() => stream.entries().length === 2, { what: "the charges made while cut" });
    assert.deepEqual(stream.entries().map((u) => u.seq), [start + 1, start + 2]);
    const resumed = proxy.requests.slice(cutAt).find((r) => r.includes("/events"));
    assert.match(resumed, new RegExp(`[?&]lastEventId=${start}[& ]`));
    stream.unsubscribe();
  });
});
