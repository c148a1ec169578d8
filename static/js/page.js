/* On every page: after a form post, put focus where the answer is (the first field
   with an error, else the message), so keyboard and screen-reader users need not
   search for it; and "copy" buttons. Nothing here is needed for a page to work. */
(function () {
  "use strict";

  function focusAnswer() {
    if (window.location.hash) return; // the link asked for a place; stay there
    var target = document.querySelector("[aria-invalid=true]") ||
      document.querySelector("main .flash");
    if (target) target.focus();
  }

  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      var status = document.getElementById(button.dataset.copyStatus);
      if (!source || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.value).then(function () {
          if (status) status.textContent = "Link copied.";
        }, function () {
          source.select();
          if (status) status.textContent = "Select the link and copy it.";
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusAnswer();
    copyButtons();
  });
})();
