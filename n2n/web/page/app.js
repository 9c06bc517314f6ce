// The page of `n2n serve`: uploads photos one by one to the server's queue, follows each one's progress, and shows
// the chosen photo before and after, with a divider and zoom up to one photo pixel per screen pixel and beyond.
"use strict";

const $ = (id) => document.getElementById(id);
const config = { models: [], limits: {}, formats: [] };
const jobs = [];
let uploads = Promise.resolve(); // uploads go one after another, so photos queue in the order they were added
let shown = null;
const view = { width: 0, height: 0, zoom: 1, fit: true, split: 0.5 };

function formatBytes(count) {
  if (count < 1000) return `${count} bytes`;
  const units = ["kB", "MB", "GB", "TB"];
  let unit = 0;
  count /= 1000;
  while (count >= 999.5 && unit < units.length - 1) { count /= 1000; unit += 1; }
  return `${count.toPrecision(3).replace(/\.$/, "")} ${units[unit]}`;
}

function seconds(value) { return `${value < 1 ? value.toFixed(2) : value.toFixed(1)} s`; }

function plural(count, word) { return `${count} ${word}${count === 1 ? "" : "s"}`; }

// ---- settings -------------------------------------------------------------------------------------------------
function currentModel() { return config.models.find((model) => model.id === $("model").value); }

function syncAdapt() {
  const model = currentModel();
  const possible = Boolean(model && model.can_adapt);
  $("adapt").disabled = !possible;
  if (!possible) $("adapt").checked = false;
  $("adapt").parentElement.classList.toggle("disabled", !possible);
  $("adapt-hint").textContent = possible
    ? "Fine-tunes a copy of the model on the photo itself: helps most on noise the model was not trained on; " +
      "adds about a minute per photo on a 2-core CPU."
    : "Only Miniproject_1's networks can be adapted to a photo (Miniproject_2's framework has no autograd).";
}

function settings() {
  return { model: $("model").value, adapt: $("adapt").checked, strength: Number($("strength").value) };
}

function describeSettings(options) {
  const model = config.models.find((m) => m.id === options.model);
  const name = model ? model.label.split(" (")[0] : options.model;
  return `${name}, strength ${options.strength.toFixed(2)}${options.adapt ? ", adapted" : ""}`;
}

// ---- photos ---------------------------------------------------------------------------------------------------
function addFiles(files) {
  for (const file of files) {
    const job = { file, name: file.name, options: settings(), id: null, data: null, removed: false };
    jobs.push(job);
    makeCard(job);
    const problem = checkFile(file);
    if (problem) { fail(job, problem); continue; }
    setState(job, "uploading", "waiting to upload");
    uploads = uploads.then(() => upload(job));
  }
}

function checkFile(file) {
  const suffix = file.name.includes(".") ? file.name.slice(file.name.lastIndexOf(".")).toLowerCase() : "";
  if (!config.formats.includes(suffix)) {
    return `${file.name}: n2n denoises PNG, TIFF, JPEG or WebP files (${config.formats.join(", ")})`;
  }
  if (file.size === 0) return `${file.name}: the file is empty`;
  if (file.size > config.limits.max_upload_bytes) {
    return `${file.name}: ${formatBytes(file.size)} is over this server's limit of ` +
      `${formatBytes(config.limits.max_upload_bytes)} per file (n2n serve --max-upload-mb raises it)`;
  }
  return null;
}

function upload(job) {
  if (job.removed) return Promise.resolve();
  return new Promise((resolve) => {
    const query = new URLSearchParams({ name: job.name, model: job.options.model, adapt: job.options.adapt ? "1" : "0",
                                        strength: String(job.options.strength) });
    const request = new XMLHttpRequest();
    request.open("POST", `/api/jobs?${query}`);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) setState(job, "uploading", "uploading", event.loaded / event.total);
    };
    request.onload = () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (error) { /* not JSON: the status says enough */ }
      if (request.status === 201) {
        job.id = body.id;
        if (job.removed) { forget(job); } else { update(job, body); poll(job); }
      } else {
        fail(job, body.error || `${job.name}: the server answered ${request.status} ${request.statusText}`);
      }
      resolve();
    };
    request.onerror = () => {
      fail(job, `${job.name}: the upload failed; is n2n serve still running?`);
      resolve();
    };
    request.send(job.file);
  });
}

async function poll(job) {
  if (job.removed) return;
  let response;
  try {
    response = await fetch(`/api/jobs/${job.id}`, { cache: "no-store" });
  } catch (error) {
    fail(job, `${job.name}: lost the server; is n2n serve still running?`);
    return;
  }
  const body = await response.json();
  if (!response.ok) { fail(job, body.error); return; }
  update(job, body);
  if (body.state === "queued" || body.state === "running") setTimeout(() => poll(job), 400);
}

function update(job, data) {
  if (job.removed) return;
  job.data = data;
  if (data.state === "queued") {
    setState(job, "queued", data.ahead === 0 ? "queued: next" : `queued: ${plural(data.ahead, "photo")} ahead`);
  } else if (data.state === "running") {
    const fraction = data.total ? data.done / data.total : null;
    const part = data.total ? ` (${Math.round(100 * fraction)} %)` : "";
    setState(job, "running", `${data.stage}${part}`, fraction);
  } else if (data.state === "failed") {
    fail(job, data.error || `${job.name}: stopped`);
  } else if (data.state === "done") {
    const result = data.result;
    setState(job, "done", `done in ${seconds(result.seconds)}; noise level σ ≈ ${result.noise_sigma.toFixed(1)}`);
    const download = job.card.querySelector(".download");
    download.href = data.download;
    download.download = data.download_name;
    download.hidden = false;
    job.card.querySelector(".again").hidden = false;
    if (!shown || !shown.data || shown.data.state !== "done") show(job);
  }
}

function makeCard(job) {
  const card = document.createElement("li");
  card.className = "job";
  card.innerHTML = `<div class="name"></div><div class="state" aria-live="polite"></div><progress hidden></progress>
    <div class="actions"><a class="button primary download" hidden>Download</a>
    <button type="button" class="again" hidden title="denoise this photo again with the settings above">Again</button><button type="button" class="remove">Remove</button></div>`;
  card.querySelector(".name").textContent = job.name;
  card.querySelector(".download").addEventListener("click", (event) => event.stopPropagation());
  card.querySelector(".again").addEventListener("click", (event) => { event.stopPropagation(); addFiles([job.file]); });
  card.querySelector(".remove").addEventListener("click", (event) => { event.stopPropagation(); remove(job); });
  card.addEventListener("click", () => { if (job.data && job.data.state === "done") show(job); });
  job.card = card;
  $("jobs").append(card);
}

function setState(job, kind, text, fraction) {
  job.card.className = `job ${kind}${shown === job ? " shown" : ""}`;
  job.card.querySelector(".state").textContent = text;
  const bar = job.card.querySelector("progress");
  bar.hidden = !(kind === "uploading" || kind === "running");
  if (fraction === null || fraction === undefined) bar.removeAttribute("value"); else bar.value = fraction;
}

function fail(job, message) { setState(job, "failed", message); }

function forget(job) {
  if (job.id) fetch(`/api/jobs/${job.id}`, { method: "DELETE" }).catch(() => {});
}

function remove(job) {
  job.removed = true;
  forget(job);
  job.card.remove();
  jobs.splice(jobs.indexOf(job), 1);
  if (shown === job) clearViewer();
}

// ---- the comparison ---------------------------------------------------------------------------------------------
const scroller = $("scroller"), canvas = $("canvas"), before = $("before"), after = $("after"), divider = $("divider");

async function show(job) {
  if (shown) shown.card.classList.remove("shown");
  shown = job;
  job.card.classList.add("shown");
  const data = job.data;
  before.src = data.before;
  after.src = data.after;
  try {
    await Promise.all([before.decode(), after.decode()]);
  } catch (error) {
    if (shown === job) $("facts").textContent = `${job.name}: the browser could not show the previews`;
    return;
  }
  if (shown !== job) return;
  view.width = before.naturalWidth;
  view.height = before.naturalHeight;
  $("stage").classList.remove("empty");
  $("download").href = data.download;
  $("download").download = data.download_name;
  $("download").hidden = false;
  setZoom("fit");
  const r = data.result;
  const facts = [`<strong></strong>`, `${r.width} × ${r.height} px, ${r.format} ${r.depth}`,
    `estimated noise level σ ≈ ${r.noise_sigma.toFixed(1)} (0–255 scale)`,
    `denoised in ${seconds(r.seconds)} with ${describeSettings(data.options)}`,
    `${formatBytes(r.input_bytes)} in, ${formatBytes(r.output_bytes)} out`];
  $("facts").innerHTML = facts.join(" · ");
  $("facts").querySelector("strong").textContent = job.name;
  for (const note of r.notes) {
    const line = document.createElement("div");
    line.textContent = note;
    $("facts").append(line);
  }
}

function clearViewer() {
  shown = null;
  before.removeAttribute("src");
  after.removeAttribute("src");
  $("stage").classList.add("empty");
  $("download").hidden = true;
  $("facts").textContent = "";
  $("zoom-value").textContent = "";
}

function fitZoom() {
  return Math.min(scroller.clientWidth / view.width, scroller.clientHeight / view.height);
}

// zoom: "fit" or photo pixels per screen pixel; anchor: the point of the scroller (client px) that stays put
function setZoom(zoom, anchor) {
  if (!view.width) return;
  view.fit = zoom === "fit";
  const next = view.fit ? fitZoom() : zoom / window.devicePixelRatio;
  const x = anchor ? anchor.x : scroller.clientWidth / 2, y = anchor ? anchor.y : scroller.clientHeight / 2;
  const photoX = (scroller.scrollLeft + x - canvas.offsetLeft) / view.zoom;
  const photoY = (scroller.scrollTop + y - canvas.offsetTop) / view.zoom;
  view.zoom = next;
  canvas.style.width = `${view.width * next}px`;
  canvas.style.height = `${view.height * next}px`;
  canvas.style.marginTop = `${Math.max(0, (scroller.clientHeight - view.height * next) / 2)}px`;
  canvas.classList.toggle("pixels", next * window.devicePixelRatio > 1.01);
  scroller.scrollLeft = photoX * next + canvas.offsetLeft - x;
  scroller.scrollTop = photoY * next + canvas.offsetTop - y;
  $("zoom-value").textContent = `${Math.round(next * window.devicePixelRatio * 100)} %`;
  for (const button of document.querySelectorAll("[data-zoom]")) {
    const value = button.dataset.zoom;
    button.classList.toggle("on", value === "fit" ? view.fit : !view.fit && Number(value) === zoom);
  }
  placeDivider();
}

function placeDivider() {
  const x = view.split * scroller.clientWidth;
  divider.style.left = `${x}px`;
  divider.setAttribute("aria-valuenow", String(Math.round(view.split * 100)));
  const clip = Math.min(Math.max(scroller.scrollLeft + x - canvas.offsetLeft, 0), view.width * view.zoom);
  after.style.clipPath = `inset(0 0 0 ${clip}px)`;
}

function setSplit(split) {
  view.split = Math.min(Math.max(split, 0), 1);
  placeDivider();
}

divider.addEventListener("pointerdown", (event) => {
  divider.setPointerCapture(event.pointerId);
  event.preventDefault();
});
divider.addEventListener("pointermove", (event) => {
  if (!divider.hasPointerCapture(event.pointerId)) return;
  const box = scroller.getBoundingClientRect();
  setSplit((event.clientX - box.left) / scroller.clientWidth);
});
divider.addEventListener("keydown", (event) => {
  const step = { ArrowLeft: -0.02, ArrowRight: 0.02, Home: -1, End: 1 }[event.key];
  if (step !== undefined) { setSplit(view.split + step); event.preventDefault(); }
});

// drag the photo to move around; a click without a drag zooms to 100 % there, or back to fit
let drag = null;
scroller.addEventListener("pointerdown", (event) => {
  if (!view.width || event.button !== 0) return;
  drag = { x: event.clientX, y: event.clientY, left: scroller.scrollLeft, top: scroller.scrollTop, moved: false };
  scroller.setPointerCapture(event.pointerId);
});
scroller.addEventListener("pointermove", (event) => {
  if (!drag) return;
  const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
  if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; scroller.classList.add("dragging"); }
  scroller.scrollLeft = drag.left - dx;
  scroller.scrollTop = drag.top - dy;
});
scroller.addEventListener("pointerup", (event) => {
  if (!drag) return;
  const click = !drag.moved;
  drag = null;
  scroller.classList.remove("dragging");
  if (!click) return;
  const box = scroller.getBoundingClientRect();
  const anchor = { x: event.clientX - box.left, y: event.clientY - box.top };
  setZoom(view.fit || view.zoom * window.devicePixelRatio < 0.99 ? 1 : "fit", anchor);
});
scroller.addEventListener("scroll", placeDivider);
window.addEventListener("resize", () => { if (view.fit) setZoom("fit"); else placeDivider(); });
for (const button of document.querySelectorAll("[data-zoom]")) {
  button.addEventListener("click", () => setZoom(button.dataset.zoom === "fit" ? "fit" : Number(button.dataset.zoom)));
}

// ---- start ------------------------------------------------------------------------------------------------------
async function start() {
  const response = await fetch("/api/config");
  Object.assign(config, await response.json());
  for (const model of config.models) {
    const option = document.createElement("option");
    option.value = model.id;
    option.textContent = model.label;
    $("model").append(option);
  }
  $("model").value = config.default_model;
  syncAdapt();
  $("version").textContent = `n2n ${config.version}`;
  const limits = config.limits;
  $("limits").textContent = `PNG, TIFF, JPEG or WebP; up to ${formatBytes(limits.max_upload_bytes)} and ` +
    `${limits.max_megapixels} megapixels a photo. One photo is denoised at a time; the others wait their turn.`;
  $("model").addEventListener("change", syncAdapt);
  $("strength").addEventListener("input", () => { $("strength-value").value = Number($("strength").value).toFixed(2); });
  $("files").addEventListener("change", () => { addFiles([...$("files").files]); $("files").value = ""; });
  const drop = $("drop");
  drop.addEventListener("click", (event) => {
    if (event.target !== $("files") && event.target.tagName !== "LABEL") $("files").click();
  });
  drop.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { $("files").click(); event.preventDefault(); }
  });
  // a photo dropped anywhere on the page is taken, rather than opened by the browser in place of the page
  document.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  document.addEventListener("dragleave", (event) => { if (!event.relatedTarget) drop.classList.remove("over"); });
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    addFiles([...event.dataTransfer.files]);
  });
  clearViewer();
}

start().catch((error) => {
  $("messages").innerHTML = "<div class='message'></div>";
  $("messages").firstChild.textContent = `The page could not reach n2n serve (${error}); reload it once the server runs.`;
});
