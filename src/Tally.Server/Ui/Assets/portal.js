// The customer portal's script: progressive enhancement only — every page works without it.
// - The Buy page's builder ([data-quote-builder]) prices the amount as the customer types, from
//   /portal/quote (the server's price calculator), and keeps the Buy form in step.
// - The payment result page polls its payment's status ([data-poll]) until it is no longer pending.
// - The low-balance banner ([data-low-for]) follows the live balance (tally.js's tally:balance event).
(function () {
  "use strict";

  function builder(root) {
    var input = root.querySelector("#credits");
    var url = root.getAttribute("data-quote-url");
    var panel = root.querySelector("[data-quote]");
    var error = root.querySelector("[data-quote-error]");
    var hidden = root.querySelector("[data-quote-credits]");
    if (!input || !url || !panel) { return; }
    var timer = null;
    var asked = 0;

    function show(data, ok) {
      if (ok) {
        ["base", "tier", "savings", "price", "buy"].forEach(function (name) {
          var field = panel.querySelector('[data-quote-field="' + name + '"]');
          if (field) { field.textContent = data[name]; }
        });
        if (hidden) { hidden.value = String(data.credits); }
        error.textContent = "";
        input.removeAttribute("aria-invalid");
        panel.hidden = false;
      } else {
        error.textContent = data.error || "";
        if (data.error) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
        panel.hidden = true;
      }
    }

    function quote() {
      var text = input.value.trim();
      var mine = ++asked;
      if (text === "") { show({ error: "" }, false); return; }
      fetch(url + "?credits=" + encodeURIComponent(text), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) { if (mine === asked) { show(answer.body, answer.ok); } })
        .catch(function () { /* offline: the Get price button still works */ });
    }

    input.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(quote, 150);
    });
  }

  function poll(status) {
    var url = status.getAttribute("data-poll");
    var wait = 1000;
    function check() {
      if (status.getAttribute("data-payment-status") !== "pending") { return; }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.status) {
            status.setAttribute("data-payment-status", data.status);
            status.className = "payment-status " + data.status;
            status.textContent = data.message;
          }
          wait = Math.min(wait * 1.5, 10000);
          setTimeout(check, wait);
        })
        .catch(function () { setTimeout(check, 10000); });
    }
    setTimeout(check, wait);
  }

  function lowBalance() {
    document.addEventListener("tally:balance", function (e) {
      (e.detail || []).forEach(function (b) {
        document.querySelectorAll("[data-low-for]").forEach(function (banner) {
          if (banner.getAttribute("data-low-for") !== b.unit) { return; }
          banner.hidden = !(Number(b.available) < Number(banner.getAttribute("data-threshold")));
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-quote-builder]").forEach(builder);
    document.querySelectorAll("[data-poll]").forEach(poll);
    lowBalance();
  });
})();
