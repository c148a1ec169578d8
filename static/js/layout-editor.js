// Visual layout editor: every field as a box over the server preview, moved by
// mouse or arrow keys, resized by its handles, edited in a side panel. The JSON in
// the "advanced" textarea stays the one source of truth (the server validates it on
// save); the editor rewrites it after each change and keeps undo/redo as snapshots
// of that text, so undoing every change gives back the exact text.
(function () {
  "use strict";
  const textarea = document.getElementById("layout");
  const preview = document.getElementById("preview");
  const root = document.getElementById("editor");
  if (!textarea || !preview || !root) return;
  const stage = document.getElementById("stage");
  const list = document.getElementById("field-list");
  const panel = document.getElementById("field-props");
  const status = document.getElementById("editor-status");
  const undoButton = document.getElementById("undo");
  const redoButton = document.getElementById("redo");
  const TEXT_SIZE = [0.005, 0.5], SNAP = 0.008;
  // Fields drawn as a box of their own (not text): their size range, default size and
  // width to height (a logo's or signature's real proportions are the image's).
  const SHAPES = { qr_code: { range: [0.05, 0.9], size: 0.16, ratio: 1 },
    logo: { range: [0.02, 0.6], size: 0.12, ratio: 1 },
    signature: { range: [0.02, 0.6], size: 0.12, ratio: 3 } };
  const LABELS = { participant_name: "Participant name", event_title: "Event title",
    event_date: "Event date", certificate_code: "Certificate code", text: "Text", qr_code: "QR code",
    logo: "Logo", signature: "Signature" };
  // The organizer's signatures ({number, label}); a signature field names one as
  // `signer`, 1 (the default, left out of the JSON as the server leaves it out) or more.
  const SIGNERS = JSON.parse(root.dataset.signers || "[]");
  const signerLabel = (number) => (SIGNERS.find((s) => s.number === number) || {}).label
    || "Signature " + number + " (missing: add it in Branding)";
  let layout = null, selected = -1, past = [], future = [], boxes = [];

  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const round = (v) => Math.round(v * 10000) / 10000;
  const aspect = () => (preview.naturalWidth && preview.naturalHeight
    ? preview.naturalHeight / preview.naturalWidth : 1240 / 1754);

  function sorted(value) {  // the server's canonical form: sorted keys, 2-space indent
    if (Array.isArray(value)) return value.map(sorted);
    if (value && typeof value === "object") {
      const out = {};
      for (const key of Object.keys(value).sort()) out[key] = sorted(value[key]);
      return out;
    }
    return value;
  }
  const serialise = () => JSON.stringify(sorted(layout), null, 2);

  function load() {
    try {
      const parsed = JSON.parse(textarea.value);
      if (!parsed || !Array.isArray(parsed.fields)) throw new Error("no fields list");
      layout = parsed;
      status.textContent = "";
      return true;
    } catch (error) {
      status.textContent = "The JSON cannot be read (" + error.message + "); fix it in the advanced view.";
      return false;
    }
  }

  function commit(change) {  // one undoable step
    const before = textarea.value;
    change();
    const after = serialise();
    if (after === before) return;
    past.push(before);
    future = [];
    textarea.value = after;
    changed();
  }
  function travel(from, to) {
    if (!from.length) return;
    to.push(textarea.value);
    textarea.value = from.pop();
    load();
    selected = Math.min(selected, layout.fields.length - 1);
    changed();
  }
  function changed() {
    draw();
    textarea.dispatchEvent(new Event("input"));  // design.js refreshes the preview
  }

  function boxOf(field) {  // fractions of the template's width and height
    const a = aspect();
    const shape = SHAPES[field.type];
    if (shape) {
      const s = field.size || shape.size, w = s * a * shape.ratio;
      return { left: field.x - w / 2, top: field.y - s / 2, width: w, height: s };
    }
    const size = field.size || 0.04;
    const lines = field.max_lines || 1;
    const text = field.type === "text" ? field.text || "" : LABELS[field.type];
    const width = field.max_width || Math.min(1, text.length * size * 0.55 * a);
    const align = field.align || "center";
    const left = align === "left" ? field.x : align === "right" ? field.x - width : field.x - width / 2;
    const height = size * 1.3 * lines;
    return { left, top: field.y - height / 2, width, height };
  }

  function draw() {
    stage.querySelectorAll(".box, .guide").forEach((el) => el.remove());
    list.textContent = "";
    boxes = layout.fields.map((field, index) => {
      const box = boxOf(field);
      const el = document.createElement("div");
      el.className = "box" + (index === selected ? " selected" : "");
      el.tabIndex = 0;
      el.setAttribute("role", "button");
      el.setAttribute("aria-label", describe(field, index) + ": arrow keys move it, Shift for bigger steps");
      el.dataset.index = index;
      place(el, box);
      const move = document.createElement("span");
      move.className = "handle width";
      move.dataset.handle = "width";
      const grow = document.createElement("span");
      grow.className = "handle size";
      grow.dataset.handle = "size";
      if (!SHAPES[field.type]) el.append(move);
      el.append(grow);
      stage.append(el);
      const item = document.createElement("li");
      const pick = document.createElement("button");
      pick.type = "button";
      pick.className = "link" + (index === selected ? " current" : "");
      pick.textContent = describe(field, index);
      pick.addEventListener("click", () => select(index, true));
      item.append(pick);
      list.append(item);
      return el;
    });
    drawPanel();
    undoButton.disabled = !past.length;
    redoButton.disabled = !future.length;
  }
  function place(el, box) {
    el.style.left = box.left * 100 + "%";
    el.style.top = box.top * 100 + "%";
    el.style.width = box.width * 100 + "%";
    el.style.height = box.height * 100 + "%";
  }
  function describe(field, index) {
    const name = field.type === "text" ? "Text “" + (field.text || "").slice(0, 30) + "”"
      : field.type === "signature" ? signerLabel(field.signer || 1) : LABELS[field.type];
    return index + 1 + ". " + name;
  }
  function select(index, focus) {
    selected = index;
    draw();
    if (focus && boxes[index]) boxes[index].focus();
  }

  const PROPS = [
    ["text", "Text", "text"], ["font", "Font", ["sans", "serif"]], ["weight", "Weight", ["regular", "bold"]],
    ["color", "Colour", "color"], ["align", "Alignment", ["left", "center", "right"]],
    ["max_lines", "Max lines", ["1", "2", "3"]], ["size", "Size", "number"], ["x", "x", "number"], ["y", "y", "number"],
  ];
  const DEFAULTS = { font: "sans", weight: "regular", color: "#222222", align: "center", max_lines: 1, size: 0.04 };
  function drawPanel() {
    panel.textContent = "";
    const field = layout.fields[selected];
    const actions = document.getElementById("field-actions");
    actions.hidden = !field;
    if (!field) { panel.textContent = "Select a field to edit it."; return; }
    if (field.type === "signature") panel.append(signerChoice(field));
    for (const [key, label, kind] of PROPS) {
      if (key === "text" && field.type !== "text") continue;
      if (SHAPES[field.type] && !["size", "x", "y"].includes(key)) continue;
      const wrap = document.createElement("label");
      wrap.className = "field";
      const caption = document.createElement("span");
      caption.textContent = label;
      let input;
      if (Array.isArray(kind)) {
        input = document.createElement("select");
        for (const option of kind) input.add(new Option(option, option));
      } else {
        input = document.createElement("input");
        input.type = kind;
        if (kind === "number") { input.step = "0.005"; input.min = "0"; input.max = "1"; }
      }
      let value = field[key] ?? (SHAPES[field.type] && key === "size" ? SHAPES[field.type].size : DEFAULTS[key]);
      if (key === "color" && /^#[0-9a-f]{3}$/i.test(value)) value = "#" + [...value.slice(1)].map((c) => c + c).join("");
      input.value = String(value ?? "");
      input.dataset.key = key;
      input.setAttribute("aria-label", label);
      input.addEventListener("change", () => setProp(key, input.value, kind));
      wrap.append(caption, input);
      panel.append(wrap);
    }
  }
  function signerChoice(field) {  // which of the organizer's signatures the field shows
    const wrap = document.createElement("label");
    wrap.className = "field";
    const caption = document.createElement("span");
    caption.textContent = "Signature";
    const input = document.createElement("select");
    const current = field.signer || 1;
    const numbers = SIGNERS.map((s) => s.number);
    if (!numbers.includes(current)) numbers.push(current);
    for (const number of numbers) input.add(new Option(signerLabel(number), String(number)));
    input.value = String(current);
    input.dataset.key = "signer";
    input.addEventListener("change", () => commit(() => {
      const number = Number(input.value);
      if (number === 1) delete layout.fields[selected].signer;
      else layout.fields[selected].signer = number;
    }));
    wrap.append(caption, input);
    return wrap;
  }
  function setProp(key, raw, kind) {
    commit(() => {
      const field = layout.fields[selected];
      let value = raw;
      if (kind === "number") {
        value = Number(raw);
        if (!Number.isFinite(value)) return;
        const [lo, hi] = key === "size" ? (SHAPES[field.type] || { range: TEXT_SIZE }).range : [0, 1];
        value = round(clamp(value, lo, hi));
      }
      if (key === "max_lines") value = Number(raw);
      if (key === "text" && !raw.trim()) return;
      field[key] = value;
    });
  }

  function snap(value, candidates, axis, guides) {
    for (const c of candidates) {
      if (Math.abs(value - c) < SNAP) { guides.push([axis, c]); return c; }
    }
    return value;
  }
  function showGuides(guides) {
    stage.querySelectorAll(".guide").forEach((el) => el.remove());
    for (const [axis, at] of guides) {
      const el = document.createElement("div");
      el.className = "guide " + axis;
      if (axis === "x") el.style.left = at * 100 + "%"; else el.style.top = at * 100 + "%";
      stage.append(el);
    }
  }

  stage.addEventListener("pointerdown", (event) => {
    const el = event.target.closest(".box");
    if (!el) return;
    event.preventDefault();
    const index = Number(el.dataset.index);
    if (index !== selected) select(index, true);
    const target = boxes[index];
    target.setPointerCapture(event.pointerId);
    const handle = event.target.dataset.handle;
    const rect = stage.getBoundingClientRect();
    const start = JSON.parse(JSON.stringify(layout.fields[index]));
    const others = layout.fields.filter((_, i) => i !== index);
    const xs = [0.5, ...others.map((f) => f.x), ...others.flatMap((f) => { const b = boxOf(f); return [b.left, b.left + b.width]; })];
    const ys = [0.5, ...others.map((f) => f.y)];
    const x0 = event.clientX, y0 = event.clientY;
    const before = textarea.value;
    let moved = false;
    function onMove(e) {
      const dx = (e.clientX - x0) / rect.width, dy = (e.clientY - y0) / rect.height;
      if (!moved && Math.abs(e.clientX - x0) + Math.abs(e.clientY - y0) < 3) return;
      moved = true;
      const field = layout.fields[index];
      const guides = [];
      if (handle === "width") {
        const px = (e.clientX - rect.left) / rect.width;
        const align = field.align || "center";
        const width = align === "center" ? 2 * Math.abs(px - field.x) : align === "left" ? px - field.x : field.x - px;
        field.max_width = round(clamp(width, 0.02, 1));
      } else if (handle === "size") {
        const shape = SHAPES[field.type];
        const base = start.size || (shape ? shape.size : 0.04);
        const lines = field.max_lines || 1;
        field.size = round(clamp(base + dy / (shape ? 1 : 1.3 * lines), ...(shape ? shape.range : TEXT_SIZE)));
      } else {
        field.x = round(clamp(snap(start.x + dx, xs, "x", guides), 0, 1));
        field.y = round(clamp(snap(start.y + dy, ys, "y", guides), 0, 1));
      }
      place(target, boxOf(field));  // the outline follows at once; the preview after
      showGuides(guides);
    }
    function onUp() {
      target.removeEventListener("pointermove", onMove);
      target.removeEventListener("pointerup", onUp);
      showGuides([]);
      if (!moved) return;
      const after = serialise();
      if (after !== before) { past.push(before); future = []; textarea.value = after; }
      changed();
      boxes[index].focus();
    }
    target.addEventListener("pointermove", onMove);
    target.addEventListener("pointerup", onUp);
  });

  stage.addEventListener("keydown", (event) => {
    const el = event.target.closest(".box");
    if (!el) return;
    const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const step = steps[event.key];
    const index = Number(el.dataset.index);
    if (step) {
      event.preventDefault();
      const by = event.shiftKey ? 0.02 : 0.002;
      selected = index;
      commit(() => {
        const field = layout.fields[index];
        field.x = round(clamp(field.x + step[0] * by, 0, 1));
        field.y = round(clamp(field.y + step[1] * by, 0, 1));
      });
      boxes[index].focus();
    } else if (event.key === "Delete") {
      event.preventDefault();
      remove();
    }
  });

  function remove() {
    if (selected < 0) return;
    commit(() => layout.fields.splice(selected, 1));
    selected = Math.min(selected, layout.fields.length - 1);
    draw();
  }
  function reorder(by) {
    const to = selected + by;
    if (selected < 0 || to < 0 || to >= layout.fields.length) return;
    commit(() => {
      const [field] = layout.fields.splice(selected, 1);
      layout.fields.splice(to, 0, field);
    });
    select(to, false);
  }
  document.getElementById("field-delete").addEventListener("click", remove);
  document.getElementById("field-up").addEventListener("click", () => reorder(-1));
  document.getElementById("field-down").addEventListener("click", () => reorder(1));
  document.getElementById("field-add").addEventListener("click", () => {
    // "signature:2" is signature 2; "text:{signer_2_name}" a text field saying that.
    const [type, detail] = document.getElementById("field-type").value.split(/:(.*)/s);
    const field = { type, x: 0.5, y: 0.5 };
    if (type === "text") field.text = detail || "New text";
    if (type === "signature" && Number(detail) > 1) field.signer = Number(detail);
    commit(() => layout.fields.push(field));
    select(layout.fields.length - 1, true);
  });
  undoButton.addEventListener("click", () => travel(past, future));
  redoButton.addEventListener("click", () => travel(future, past));
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z") return;
    if (event.target === textarea) return;  // the textarea keeps its own undo
    event.preventDefault();
    if (event.shiftKey) travel(future, past); else travel(past, future);
  });
  textarea.addEventListener("change", () => { if (load()) { past = []; future = []; draw(); } });

  if (load()) {
    root.hidden = false;
    document.getElementById("advanced").open = false;
    draw();
    preview.addEventListener("load", () => { if (preview.naturalWidth) draw(); }, { once: true });
  }
})();
