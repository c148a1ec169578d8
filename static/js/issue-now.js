/* "Issue now": post the form again and again while certificates are due, and show progress.
   Without JavaScript the form still works: each click runs the checker once. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-issue-now]");
  if (!form || !window.fetch || !window.FormData) return;
  var bar = document.querySelector("[data-issue-bar]");
  var issued = document.querySelector("[data-issue-issued]");
  var message = form.querySelector("[data-issue-message]");
  var button = form.querySelector("button");
  var MAX_IDLE = 30; // rounds without progress (other runs hold the rest) before giving up

  function say(text) { if (message) message.textContent = text; }

  function show(body) {
    if (bar) { bar.max = Math.max(body.total, 1); bar.value = body.issued; }
    if (issued) issued.textContent = body.issued;
    say(body.issued + " of " + body.total + " issued" +
        (body.due ? ", " + body.due + " to go…" : "") +
        (body.deferred ? " (" + body.deferred + " failed, retried later)" : ""));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    var retry = "1";
    var idle = 0;

    function step() {
      var data = new FormData(form);
      data.set("retry", retry);
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
          say((body.run && body.run.error) || body.message || "Issuing failed.");
          button.disabled = false;
          return;
        }
        show(body);
        if (body.due === 0) {
          window.location.reload();
          return;
        }
        idle = body.run.issued + body.run.failed === 0 ? idle + 1 : 0;
        if (idle > MAX_IDLE) {
          say("Another run is still issuing these; reload the page later.");
          button.disabled = false;
          return;
        }
        window.setTimeout(step, idle ? 2000 : 0);
      }).catch(function () {
        say("The connection was lost; reload the page to continue.");
        button.disabled = false;
      });
    }
    step();
  });
})();
