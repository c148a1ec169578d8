/* Attendance toggles in place: the row changes, the page does not move, focus stays
   on the button. Without JavaScript the form posts and the page comes back to the row. */
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) return;
  var count = document.querySelector("[data-attended-count]");

  document.querySelectorAll("form[data-attendance]").forEach(function (form) {
    var button = form.querySelector("button");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (body) {
        button.classList.toggle("on", body.attended);
        button.setAttribute("aria-pressed", body.attended ? "true" : "false");
        button.querySelector("[data-state]").textContent = body.attended ? "✓ yes" : "no";
        if (count) count.textContent = body.attended_count;
      }).catch(function () {
        form.submit(); // let the server answer as it does without script
      }).then(function () {
        button.disabled = false;
        button.focus();
      });
    });
  });
})();
