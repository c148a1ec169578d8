/* "Issue now": post the form again and again while certificates are due, and show progress.
   Each post asks for a short round, and its answer moves the bar. A run also commits
   every few certificates, so while a post is running the page reads the event's progress
   from the database (GET on the same address) and the bar moves within a round too,
   wherever a second request is served meanwhile. Without JavaScript the form still
   works: each click runs the checker once, for the full budget. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-issue-now]");
  if (!form || !window.fetch || !window.FormData) return;
  var bar = document.querySelector("[data-issue-bar]");
  var issued = document.querySelector("[data-issue-issued]");
  var message = form.querySelector("[data-issue-message]");
  var button = form.querySelector("button");
  var MAX_IDLE = 30; // rounds without progress (other runs hold the rest) before giving up
  var POLL_MS = 700;
  var ROUND_SECONDS = "2.5"; // each post returns (and the bar moves) at least this often
  var shown = bar ? Number(bar.value) : 0;

  function say(text) { if (message) message.textContent = text; }

  function show(body) {
    if (body.issued < shown) return; // a late poll answer; never move backwards
    shown = body.issued;
    if (bar) { bar.max = Math.max(body.total, 1); bar.value = body.issued; }
    if (issued) issued.textContent = body.issued;
    say(body.issued + " of " + body.total + " issued" +
        (body.due ? ", " + body.due + " to go…" : "") +
        (body.deferred ? " (" + body.deferred + " failed, retried later)" : ""));
  }

  function poll() {
    return fetch(form.action, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) show(body); })
      .catch(function () { /* the post's own answer reports a lost connection */ });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    say("Issuing…");
    var retry = "1";
    var idle = 0;
    var counted = shown; // the event's issued count in the last round's answer
    var poller = window.setInterval(poll, POLL_MS);

    function stop(text) {
      window.clearInterval(poller);
      say(text);
      button.disabled = false;
    }

    function step() {
      var data = new FormData(form);
      data.set("retry", retry);
      data.set("seconds", ROUND_SECONDS);
      retry = "0"; // failed ones are retried once per click, not in a loop
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (reply) {
        var body = reply.body;
        if (!reply.ok || body.run.outcome === "failed") {
          stop((body.run && body.run.error) || body.message || "Issuing failed.");
          return;
        }
        show(body);
        if (body.due === 0 && !body.mail_due) {
          window.clearInterval(poller);
          window.location.reload();
          return;
        }
        var moved = body.run.issued + body.run.failed + body.run.mailed + body.run.mail_failed;
        // Invocations the fan-out started issue for this event too: a round that
        // found all the rest claimed by them is not idle while the event's count grows.
        var grew = body.issued > counted;
        counted = Math.max(counted, body.issued);
        idle = moved === 0 && !grew ? idle + 1 : 0;
        if (idle > MAX_IDLE) {
          stop("Another run is still issuing these; reload the page later.");
          return;
        }
        window.setTimeout(step, idle ? 2000 : 0);
      }).catch(function () {
        stop("The connection was lost; reload the page to continue.");
      });
    }
    step();
  });
})();
