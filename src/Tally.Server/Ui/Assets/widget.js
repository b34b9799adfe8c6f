// Tally's embeddable balance badge (docs/ui.md, "Balance widget"). A host app includes
//   <script src="https://tally.example.com/ui/assets/widget.js" data-account="user_42"
//           data-token="tally_ct_…" async></script>
// and a small badge with the account's live balance appears where the tag is. Optional:
//   data-unit="credits"          which balance to show (default: credits)
//   data-label="credits"         the word after the number (default: the unit)
//   data-token-url="/api/tally-token"  the host's own endpoint answering {"token": "tally_ct_…"}
//                                 (same-origin to the host, with its cookies): used for a fresh
//                                 token when the stream's token expires.
// The badge lives in a shadow root with its own styles (set through the DOM, so it needs no
// style-src allowance from the host's CSP); the host's CSP must allow this script and, in
// connect-src, Tally's origin; Tally must list the host in TALLY_CORS_ORIGINS.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var account = script.getAttribute("data-account");
  var token = script.getAttribute("data-token");
  var unit = script.getAttribute("data-unit") || "credits";
  var label = script.getAttribute("data-label") || unit;
  var tokenUrl = script.getAttribute("data-token-url");
  var base = new URL(script.src, document.baseURI).origin;
  if (!account || !token) { return; }

  var host = document.createElement("span");
  host.setAttribute("data-tally-widget", "");
  script.parentNode.insertBefore(host, script.nextSibling);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var badge = document.createElement("span");
  badge.setAttribute("role", "status");
  badge.setAttribute("aria-live", "polite");
  var s = badge.style;
  s.display = "inline-flex"; s.alignItems = "center"; s.gap = "0.3em";
  s.padding = "0.15em 0.6em"; s.borderRadius = "999px";
  s.font = "600 0.9em/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  s.background = "#14213d"; s.color = "#ffffff"; s.whiteSpace = "nowrap";
  var amount = document.createElement("span");
  amount.textContent = "…";
  amount.style.fontVariantNumeric = "tabular-nums";
  var word = document.createElement("span");
  word.textContent = label;
  word.style.fontWeight = "400";
  badge.appendChild(amount);
  badge.appendChild(word);
  root.appendChild(badge);

  function format(value) {
    var n = Number(value);
    return isFinite(n) ? n.toLocaleString(undefined, { maximumFractionDigits: 6 }) : String(value);
  }

  var lastId = null;
  var source = null;

  function apply(e) {
    if (e.lastEventId) { lastId = e.lastEventId; }
    try {
      var data = JSON.parse(e.data);
      (data.balances || []).forEach(function (b) {
        if (b.unit === unit) {
          amount.textContent = format(b.available);
          host.setAttribute("data-available", String(b.available));
        }
      });
    } catch (ignored) { /* a malformed event changes nothing */ }
  }

  function open() {
    var url = base + "/v1/accounts/" + encodeURIComponent(account) + "/events?access_token=" + encodeURIComponent(token);
    if (lastId) { url += "&lastEventId=" + encodeURIComponent(lastId); }
    source = new EventSource(url);
    source.addEventListener("snapshot", apply);
    source.addEventListener("balance.updated", apply);
    source.onerror = function () {
      if (source.readyState !== EventSource.CLOSED) { return; } // the browser reconnects by itself
      if (!tokenUrl) { badge.title = "Balance not live: reload the page"; return; }
      fetch(tokenUrl, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (t) { token = t.token; open(); })
        .catch(function () { setTimeout(open, 30000); });
    };
  }

  open();
})();
