// The studio's progressive enhancements. Every form works without this file.
"use strict";

// The episode upload (#upload-form): a progress bar, a drop zone and the duplicate warning.
function setupUpload(form) {
  const zone = document.getElementById("drop-zone");
  const input = document.getElementById("audio-input");
  const bar = document.getElementById("upload-progress");
  const percent = document.getElementById("upload-percent");
  const errorBox = document.getElementById("upload-error");
  const maxBytes = Number(form.dataset.maxBytes || 0);

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  const duplicateBox = document.getElementById("upload-duplicate");
  let pendingFile = null;
  duplicateBox.querySelector("[data-upload-anyway]").addEventListener("click", () => {
    if (pendingFile) upload(pendingFile, true);
  });

  function showDuplicate(file, body) {
    pendingFile = file;
    duplicateBox.querySelector("[data-message]").textContent = body.error;
    const link = duplicateBox.querySelector("[data-link]");
    link.hidden = !body.duplicate_url;
    if (body.duplicate_url) link.href = body.duplicate_url;
    duplicateBox.hidden = false;
    percent.textContent = "";
    bar.hidden = true;
  }

  function upload(file, allowDuplicate) {
    errorBox.hidden = true;
    duplicateBox.hidden = true;
    if (maxBytes && file.size > maxBytes) {
      const limit = Math.round(maxBytes / 1048576);
      showError(`"${file.name}" is larger than this server accepts (${limit} MB).`);
      return;
    }
    const data = new FormData();
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    if (allowDuplicate) data.append("allow_duplicate", "1");
    data.append("audio", file, file.name);
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const done = Math.round((100 * event.loaded) / event.total);
      bar.value = done;
      percent.textContent = `${done}%`;
    });
    request.upload.addEventListener("load", () => {
      bar.value = 100;
      percent.textContent = "100% — checking the audio…";
    });
    request.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (_) { body = {}; }
      if (request.status === 201 && body.edit_url) {
        percent.textContent = "100% — uploaded, opening the editor…";
        // A short pause so the finished bar is seen before the editor opens.
        setTimeout(() => window.location.assign(body.edit_url), 700);
      } else if (request.status === 409 && body.duplicate_title) {
        showDuplicate(file, body);
      } else {
        showError(body.error || `The upload failed (HTTP ${request.status}).`);
      }
    });
    request.addEventListener("error", () => showError("The connection was lost during the upload."));
    request.send(data);
  }

  form.addEventListener("submit", (event) => {
    if (!input.files.length) return;
    event.preventDefault();
    upload(input.files[0]);
  });
  input.addEventListener("change", () => { if (input.files.length) upload(input.files[0]); });
  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
    event.preventDefault();
    zone.classList.add("dragover");
  }));
  ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, () => zone.classList.remove("dragover")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    const files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) upload(files[0]);
  });
}

// The episode editor (#episode-form): a live preview of the notes and topic chips.
function setupEditor(form) {
  const notes = form.querySelector("[name=notes_md]");
  const preview = document.getElementById("notes-preview");
  const button = document.getElementById("preview-button");
  let timer = null;

  function refresh() {
    const data = new FormData();
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    data.append("notes_md", notes.value);
    fetch(form.dataset.previewUrl, { method: "POST", body: data, headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((body) => { if (body.html !== undefined) preview.innerHTML = body.html; })
      .catch(() => {});
  }
  // The server renders and sanitises the notes (the same code as the public pages).
  button.addEventListener("click", (event) => { event.preventDefault(); refresh(); });
  notes.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });

  const topics = form.querySelector("[name=topics]");
  form.querySelectorAll("button[data-topic]").forEach((chip) => chip.addEventListener("click", () => {
    const names = topics.value.split(",").map((n) => n.trim()).filter(Boolean);
    if (!names.includes(chip.dataset.topic)) names.push(chip.dataset.topic);
    topics.value = names.join(", ");
  }));
}

// Row editors (chapters, soundbites): without JavaScript the form offers a few blank rows;
// with it, rows can be added and removed, and numbered again.
function setupRows(form) {
  const body = form.querySelector("tbody");
  const renumber = () => body.querySelectorAll("tr[data-row]").forEach((row, index) => {
    row.querySelector(".row-number").textContent = String(index + 1);
  });
  const addButton = form.querySelector("[data-add-row]");
  addButton.hidden = false;
  form.querySelectorAll("[data-remove-row]").forEach((button) => { button.hidden = false; });
  body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-row]");
    if (!button) return;
    const row = button.closest("tr");
    // The last row stays (emptied): new rows are copies of it.
    if (body.querySelectorAll("tr[data-row]").length > 1) row.remove();
    else row.querySelectorAll("input").forEach((input) => { input.value = ""; });
    renumber();
  });
  addButton.addEventListener("click", () => {
    const rows = body.querySelectorAll("tr[data-row]");
    const copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelectorAll("input").forEach((input) => { input.value = ""; });
    body.appendChild(copy);
    renumber();
    copy.querySelector("input").focus();
  });
}

// Each enhancement with the forms it applies to; a page without such a form is left alone.
const ENHANCEMENTS = [
  ["#upload-form", setupUpload],
  ["#episode-form", setupEditor],
  ["form[data-rows]", setupRows],
];

document.addEventListener("DOMContentLoaded", () => {
  ENHANCEMENTS.forEach(([selector, setup]) => document.querySelectorAll(selector).forEach(setup));
});
