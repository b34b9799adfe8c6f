// The React bindings in a DOM (happy-dom) against a real Tally server: a component using
// useCredits() and <CreditBalance> re-renders when a charge commits on the server.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Window } from "happy-dom";
import { EventSource as UndiciEventSource } from "undici";
import { TallyClient } from "@tally/client";
import { TallyServer, accountId, waitFor } from "./support/tally.mjs";

// React DOM looks for a window and document when it loads, so they come first.
const window = new Window({ url: "http://localhost/" });
globalThis.window = window;
globalThis.document = window.document;
if (globalThis.navigator === undefined) {
  // Node 21+ has one of its own; React DOM only reads its userAgent.
  globalThis.navigator = window.navigator;
}
const { createElement: h, StrictMode } = await import("react");
const { createRoot } = await import("react-dom/client");
const { TallyProvider, useCredits, CreditBalance } = await import("@tally/client/react");

/** @type {TallyServer} */
let tally;

before(async () => {
  tally = await TallyServer.start();
});

after(async () => {
  await tally?.stop();
  await window.happyDOM.close();
});

function Status() {
  const { balance, loading, live, error } = useCredits();
  const text = loading ? "loading" : error !== null && balance === null ? `error ${error.status}` : `${balance} ${live ? "live" : "offline"}`;
  return h("p", { id: "status" }, text);
}

function mount(client) {
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  root.render(h(StrictMode, null, h(TallyProvider, { client }, h(Status), h(CreditBalance, { className: "credits" }))));
  const text = (selector) => container.querySelector(selector)?.textContent;
  return {
    status: () => text("#status"),
    short: () => text(".credits"),
    title: () => container.querySelector(".credits")?.getAttribute("title"),
    unmount: () => {
      root.unmount();
      container.remove();
    },
  };
}

test("useCredits and <CreditBalance> show the live balance and follow charges made on the server", async () => {
  const account = accountId("react");
  await tally.grant(account, 1150);
  // The host backend answers the first token request only when the test says so, so the
  // loading state can be seen for certain.
  let release;
  const released = new Promise((resolve) => (release = resolve));
  const client = new TallyClient({
    baseUrl: tally.url,
    account,
    getToken: async () => {
      await released;
      return tally.clientToken(account);
    },
    EventSource: UndiciEventSource,
    reconnect: { initialDelayMs: 20, maxDelayMs: 250 },
  });
  const view = mount(client);
  try {
    await waitFor(() => view.status() === "loading", { what: "the first render" });
    assert.equal(view.short(), "…", "the fallback until the first balance");
    release();
    await waitFor(() => view.status() === "1250 live", { what: `"1250 live", saw "${view.status()}"` });
    assert.equal(view.short(), "1.2K");
    assert.equal(view.title(), "1250");

    await tally.charge(account, 100);
    await waitFor(() => view.status() === "1150 live", { what: "the first charge to render" });
    assert.equal(view.short(), "1.1K");

    await tally.charge(account, 150);
    await waitFor(() => view.short() === "1K", { what: "the second charge to render" });
    assert.equal(view.status(), "1000 live");
  } finally {
    view.unmount();
  }

  assert.equal(client.connection, "idle", "unmounting closed the stream");
});

test("useCredits reports a refused credential as an error instead of loading forever", async () => {
  const account = accountId("react-refused");
  await tally.grant(account, 1);
  const client = new TallyClient({ baseUrl: tally.url, account, token: "tally_ct_bogus", EventSource: false });
  const view = mount(client);
  try {
    await waitFor(() => view.status() === "error 401", { what: `"error 401", saw "${view.status()}"` });
    assert.equal(view.short(), "…");
  } finally {
    view.unmount();
  }
});
