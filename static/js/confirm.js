/* Forms with data-confirm ask before they submit (no inline handlers: the CSP forbids
   them); with data-confirm-if="NAME" they ask only while the checkbox NAME is ticked. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (!message) return;
    var only = form.getAttribute("data-confirm-if");
    if (only && !(form.elements[only] && form.elements[only].checked)) return;
    if (!window.confirm(message)) event.preventDefault();
  });
})();
