// Direct upload of an image to storage (presigned POST), then the form is sent to the
// app with the object's key, which checks and keeps it. Any form with
// data-upload-url: backgrounds on the design page, the logo and signature in settings.
(function () {
  "use strict";
  const LIMIT = 10 * 1024 * 1024;
  for (const form of document.querySelectorAll("form[data-upload-url]")) {
    const status = form.querySelector("[role=status]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const csrf = form.querySelector("input[name=csrf_token]").value;
      const file = form.querySelector("input[type=file]").files[0];
      if (!file) { status.textContent = "Choose an image first."; return; }
      if (file.size > LIMIT) { status.textContent = "The image is larger than 10 MB."; return; }
      status.textContent = "Uploading…";
      const grant = await fetch(form.dataset.uploadUrl, { method: "POST", headers: { "X-CSRFToken": csrf } });
      if (!grant.ok) { status.textContent = "Could not start the upload."; return; }
      const { url, fields, key } = await grant.json();
      const body = new FormData();
      for (const [name, value] of Object.entries(fields)) body.append(name, value);
      body.append("file", file);
      const stored = await fetch(url, { method: "POST", body });
      if (!stored.ok) { status.textContent = "The upload was refused (" + stored.status + ")."; return; }
      form.querySelector("input[name=key]").value = key;
      status.textContent = "Checking the image…";
      form.submit();
    });
  }
})();
