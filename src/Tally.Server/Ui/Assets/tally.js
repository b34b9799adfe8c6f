// Tally's UI script: progressive enhancement only — every page works without it.
// Live balances: an element with data-live-balance follows the account's event stream
// (/v1/accounts/{id}/events, a short-lived client token in the query) and updates each
// [data-unit] card's [data-field="available"] as entries land; it fetches a new token before the
// old one expires and reconnects with Last-Event-ID, so nothing is missed.
(function () {
  "use strict";

  function format(value) {
    var n = Number(value);
    return isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: 6 }) : String(value);
  }

  function applyBalances(root, balances) {
    (balances || []).forEach(function (b) {
      var card = root.querySelector('[data-unit="' + CSS.escape(b.unit) + '"]');
      if (!card) { return; }
      var field = card.querySelector('[data-field="available"]');
      if (field) { field.textContent = format(b.available); }
      card.setAttribute("data-seq", String(b.seq || ""));
    });
    root.dispatchEvent(new CustomEvent("tally:balance", { detail: balances, bubbles: true }));
  }

  function follow(root) {
    var account = root.getAttribute("data-account");
    var token = root.getAttribute("data-token");
    var lastId = null;
    var source = null;

    function open() {
      var url = "/v1/accounts/" + encodeURIComponent(account) + "/events?access_token=" + encodeURIComponent(token);
      if (lastId) { url += "&lastEventId=" + encodeURIComponent(lastId); }
      source = new EventSource(url);
      var handle = function (e) {
        if (e.lastEventId) { lastId = e.lastEventId; }
        try {
          var data = JSON.parse(e.data);
          applyBalances(root, data.balances);
        } catch (ignored) { /* a malformed event changes nothing */ }
      };
      source.addEventListener("snapshot", handle);
      source.addEventListener("balance.updated", handle);
      source.onerror = function () {
        // The stream ends when its token expires: get a fresh one and resume where it stopped.
        if (source.readyState === EventSource.CLOSED) { refresh(); }
      };
    }

    function refresh() {
      if (source) { source.close(); }
      fetch("/portal/stream-token", { method: "POST", credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (t) { token = t.token; open(); })
        .catch(function () { setTimeout(refresh, 5000); });
    }

    open();
    setInterval(refresh, 10 * 60 * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-balance]").forEach(follow);
  });
})();
