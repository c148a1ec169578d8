// Certificate designer: live preview of the layout being edited, and direct
// upload of a background to storage (presigned POST), then confirmation.
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

  const form = document.getElementById("background-form");
  const uploadStatus = document.getElementById("upload-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = document.getElementById("background-file").files[0];
    if (!file) { uploadStatus.textContent = "Choose an image first."; return; }
    if (file.size > 10 * 1024 * 1024) { uploadStatus.textContent = "The image is larger than 10 MB."; return; }
    uploadStatus.textContent = "Uploading…";
    const grant = await fetch(form.dataset.uploadUrl, { method: "POST", headers: { "X-CSRFToken": csrf } });
    if (!grant.ok) { uploadStatus.textContent = "Could not start the upload."; return; }
    const { url, fields, key } = await grant.json();
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    body.append("file", file);
    const stored = await fetch(url, { method: "POST", body });
    if (!stored.ok) { uploadStatus.textContent = "The upload was refused (" + stored.status + ")."; return; }
    document.getElementById("background-key").value = key;
    uploadStatus.textContent = "Checking the image…";
    form.submit();
  });
})();
