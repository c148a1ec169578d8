// Certificate designer: live preview of the layout being edited (the background's
// direct upload is upload.js's).
(function () {
  "use strict";
  const csrf = document.querySelector("input[name=csrf_token]").value;
  const preview = document.getElementById("preview");
  const status = document.getElementById("preview-status");
  const layout = document.getElementById("layout");
  let timer = null;
  let shown = null;

  async function refresh() {
    const response = await fetch(preview.dataset.previewUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ layout: layout.value }),
    });
    if (response.ok) {
      if (shown) URL.revokeObjectURL(shown);
      shown = URL.createObjectURL(await response.blob());
      preview.src = shown;
      status.textContent = "";
    } else {
      const body = await response.json().catch(() => ({}));
      status.textContent = (body.messages || [body.message || "Preview failed"]).join(" · ");
    }
  }
  layout.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
})();
