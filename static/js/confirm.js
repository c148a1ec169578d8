/* Forms with data-confirm ask before they submit (no inline handlers: the CSP forbids them). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    // data-confirm-when names a checkbox: ask only when it is ticked.
    var when = message && event.target.getAttribute("data-confirm-when");
    if (when && !(event.target.elements[when] || {}).checked) return;
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
