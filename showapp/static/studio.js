// The studio's progressive enhancements. Every form works without this file.
"use strict";

// The episode upload (#upload-form): a drop area that takes several files; they go up one
// after another, each with its own progress row, and the duplicate warning when one is known.
function setupUpload(form) {
  const zone = document.getElementById("drop-zone");
  const input = document.getElementById("audio-input");
  const bar = document.getElementById("upload-progress");
  const percent = document.getElementById("upload-percent");
  const errorBox = document.getElementById("upload-error");
  const list = document.getElementById("upload-list");
  const maxBytes = Number(form.dataset.maxBytes || 0);
  const queue = [];
  let busy = false;
  let batchSize = 0;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  const duplicateBox = document.getElementById("upload-duplicate");
  let pendingFile = null;
  duplicateBox.querySelector("[data-upload-anyway]").addEventListener("click", () => {
    if (pendingFile) enqueue([pendingFile], true);
  });

  function showDuplicate(file, body) {
    pendingFile = file;
    duplicateBox.querySelector("[data-message]").textContent = body.error;
    const link = duplicateBox.querySelector("[data-link]");
    link.hidden = !body.duplicate_url;
    if (body.duplicate_url) link.href = body.duplicate_url;
    duplicateBox.hidden = false;
  }

  // One row per file in the list: its name, a state and a progress bar.
  function addRow(file) {
    const row = document.createElement("li");
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const state = document.createElement("span");
    state.className = "upload-state";
    state.textContent = "waiting";
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Upload of ${file.name}`);
    row.append(name, state, progress);
    list.hidden = false;
    list.appendChild(row);
    return { row, state, progress };
  }

  function setState(row, text, link, failed) {
    row.state.textContent = text;
    if (failed) row.state.classList.add("failed");
    if (link) {
      const a = document.createElement("a");
      a.href = link;
      a.textContent = "Open in the editor";
      row.state.append(" · ", a);
    }
  }

  function enqueue(files, allowDuplicate) {
    errorBox.hidden = true;
    duplicateBox.hidden = true;
    batchSize = files.length;
    Array.from(files).forEach((file) => queue.push({ file, allowDuplicate, row: addRow(file) }));
    if (!busy) next();
  }

  function next() {
    const item = queue.shift();
    if (!item) { busy = false; return; }
    busy = true;
    upload(item.file, item.allowDuplicate, item.row);
  }

  function upload(file, allowDuplicate, row) {
    if (maxBytes && file.size > maxBytes) {
      const limit = Math.round(maxBytes / 1048576);
      const message = `"${file.name}" is larger than this server accepts (${limit} MB).`;
      setState(row, message, null, true);
      showError(message);
      next();
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
    setState(row, "uploading");
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const done = Math.round((100 * event.loaded) / event.total);
      bar.value = done;
      row.progress.value = done;
      percent.textContent = `${file.name}: ${done}%`;
      row.state.textContent = `${done}%`;
    });
    request.upload.addEventListener("load", () => {
      bar.value = 100;
      row.progress.value = 100;
      percent.textContent = `${file.name}: 100% — checking the audio…`;
      row.state.textContent = "checking the audio…";
    });
    request.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (_) { body = {}; }
      if (request.status === 201 && body.edit_url) {
        setState(row, "uploaded", body.edit_url);
        if (batchSize === 1 && !queue.length) {
          percent.textContent = `${file.name}: 100% — uploaded, opening the editor…`;
          // A short pause so the finished bar is seen before the editor opens.
          setTimeout(() => window.location.assign(body.edit_url), 700);
        } else {
          percent.textContent = `${file.name}: 100% — uploaded`;
        }
      } else if (request.status === 409 && body.duplicate_title) {
        setState(row, "already uploaded", body.duplicate_url, true);
        showDuplicate(file, body);
      } else {
        const message = body.error || `The upload failed (HTTP ${request.status}).`;
        setState(row, message, null, true);
        showError(`${file.name}: ${message}`);
      }
      next();
    });
    request.addEventListener("error", () => {
      setState(row, "the connection was lost", null, true);
      showError("The connection was lost during the upload.");
      next();
    });
    request.send(data);
  }

  form.addEventListener("submit", (event) => {
    if (!input.files.length) return;
    event.preventDefault();
    enqueue(input.files, false);
  });
  input.addEventListener("change", () => { if (input.files.length) enqueue(input.files, false); });
  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
    event.preventDefault();
    zone.classList.add("dragover");
  }));
  ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, () => zone.classList.remove("dragover")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    const files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) enqueue(files, false);
  });
}

// The navigation on a phone: collapsed behind the Menu button (open without JavaScript).
function setupNavToggle(button) {
  const nav = document.getElementById(button.getAttribute("aria-controls"));
  if (!nav) return;
  button.hidden = false;
  const set = (open) => {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) nav.removeAttribute("data-collapsed");
    else nav.setAttribute("data-collapsed", "");
  };
  set(false);
  button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
}

// Copy buttons beside read-only links (review and invite links): the link goes to the
// clipboard, and the button says so for a moment.
function setupCopy(button) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const label = button.textContent;
    const done = () => {
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1500);
    };
    const text = "value" in source ? source.value : source.textContent.trim();
    if (source.select) source.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => {});
    } else {
      done();
    }
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

// Tables become a stack of cards on a phone (studio.css); each cell is labelled with its
// column's heading for that. Tables with row headings (the downloads figures) stay tables.
function setupStackedTable(table) {
  if (!table.tHead || table.querySelector("tbody th")) return;
  const headings = Array.from(table.tHead.rows[0].cells).map((cell) => cell.textContent.trim());
  table.querySelectorAll("tbody tr").forEach((row) => {
    Array.from(row.cells).forEach((cell, index) => {
      if (headings[index]) cell.dataset.label = headings[index];
    });
  });
  table.dataset.stacked = "";
}

// Each enhancement with the forms it applies to; a page without such a form is left alone.
const ENHANCEMENTS = [
  ["[data-nav-toggle]", setupNavToggle],
  ["button[data-copy]", setupCopy],
  ["#upload-form", setupUpload],
  [".studio-main table", setupStackedTable],
  ["#episode-form", setupEditor],
  ["form[data-rows]", setupRows],
];

document.addEventListener("DOMContentLoaded", () => {
  ENHANCEMENTS.forEach(([selector, setup]) => document.querySelectorAll(selector).forEach(setup));
});
