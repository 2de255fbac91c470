// sakuin's web page: a small hand-written script over the JSON API (no framework, no CDN).
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

function showMessage(text, isError) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = isError ? "error" : "";
  box.hidden = !text;
}

// One JSON API call with the session's CSRF token; throws Error(message) on a non-2xx answer.
async function api(method, url, body) {
  const init = { method, headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).error || detail; } catch (_) { /* not JSON */ }
    throw new Error(detail);
  }
  return response.status === 204 ? null : response.json();
}

// Server-Sent Events over fetch (EventSource cannot POST or send headers): calls
// onEvent(name, data) for each event until the stream ends. Job progress uses it; grounded
// writing streams its tokens and sources through it the same way.
async function streamEvents(url, init, onEvent) {
  const response = await fetch(url, {
    credentials: "same-origin",
    ...init,
    headers: { "X-CSRF-Token": csrf(), Accept: "text/event-stream", ...(init && init.headers) },
  });
  if (!response.ok) throw new Error((await response.json()).error || response.statusText);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

function on(id, event, handler) {
  const element = document.getElementById(id);
  if (element) element.addEventListener(event, handler);
}

function guard(handler) {
  return async (event) => {
    event.preventDefault();
    try { await handler(event); } catch (error) { showMessage(error.message, true); }
  };
}

// Drag and drop onto a file input's label puts the files into the input.
function wireDropZones() {
  for (const zone of document.querySelectorAll(".drop-zone")) {
    const input = zone.querySelector('input[type="file"]');
    const list = document.getElementById("chosen-files");
    const show = () => {
      if (!list) return;
      list.replaceChildren(...Array.from(input.files, (f) => {
        const item = document.createElement("li");
        item.textContent = f.name;
        return item;
      }));
    };
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      input.files = e.dataTransfer.files;
      show();
    });
    input.addEventListener("change", show);
  }
}

// Where on a scan a passage was read, as Region.describe says it: ", p. 2 (120,340-980,410 of
// 1240x880)" per page; "" for other documents.
function describeRegions(regions) {
  return (regions || []).map(({ page, box, page_size: [width, height] }) =>
    `, p. ${page} (${box.left},${box.top}-${box.right},${box.bottom} of ${width}x${height})`).join("");
}

// A passage (a search hit or a citation) in its context, in the page's dialog.
async function showPassage(documentId, start, end) {
  const passage = await api("GET", `/api/documents/${documentId}/passage?start=${start}&end=${end}`);
  const dialog = document.getElementById("passage");
  dialog.querySelector(".title").textContent = passage.title;
  dialog.querySelector(".before").textContent = passage.before;
  dialog.querySelector("mark").textContent = passage.text;
  dialog.querySelector(".after").textContent = passage.after;
  // only an admin's passage has a source (the server's path); everyone sees the document's name
  const where = passage.source ? ` (${passage.source})` : "";
  dialog.querySelector(".source").textContent =
    `${passage.name} ${passage.start}-${passage.end}${describeRegions(passage.regions)}${where}`;
  dialog.showModal();
}

function renderHits(hits, emptyText) {
  const list = document.getElementById("search-results");
  if (!hits.length) {
    const item = document.createElement("li");
    item.className = "empty";
    item.textContent = emptyText;
    list.replaceChildren(item);
    return;
  }
  list.replaceChildren(...hits.map((hit) => {
    const item = document.createElement("li");
    const title = document.createElement("a");
    title.href = `/api/documents/${hit.document_id}/download`;
    title.textContent = hit.title;
    const where = document.createElement("small");
    where.textContent = ` ${hit.name} ${hit.headings.join(" > ")}`;
    const passage = document.createElement("p");
    passage.className = "citation";
    passage.textContent = hit.text;
    passage.addEventListener("click", guard(() => showPassage(hit.document_id, hit.start, hit.end)));
    item.append(title, where, passage);
    return item;
  }));
}

// A written text with each citation ([1] or [1, 2]) as links that open the cited passage.
function renderCitedText(container, text, sources) {
  const byNumber = new Map(sources.map((source) => [source.number, source]));
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    parts.push(document.createTextNode(text.slice(last, match.index)));
    for (const number of match[1].split(",").map((n) => Number(n.trim()))) {
      const source = byNumber.get(number);
      if (!source) continue;
      const link = document.createElement("a");
      link.href = "#";
      link.className = "cite";
      link.dataset.number = number;
      link.textContent = `[${number}]`;
      link.title = source.title;
      link.addEventListener("click", guard(() => showPassage(source.document_id, source.start, source.end)));
      parts.push(link);
    }
    last = match.index + match[0].length;
  }
  parts.push(document.createTextNode(text.slice(last)));
  container.replaceChildren(...parts);
}

function renderSources(list, sources) {
  list.replaceChildren(...sources.filter((source) => source.cited).map((source) => {
    const item = document.createElement("li");
    item.value = source.number;
    const title = document.createElement("strong");
    title.textContent = source.title;
    const where = document.createElement("small");
    where.textContent = ` ${source.source} ${source.start}-${source.end}${describeRegions(source.regions)}`;
    const passage = document.createElement("p");
    passage.className = "citation";
    passage.textContent = source.text.length > 300 ? `${source.text.slice(0, 300)}…` : source.text;
    passage.addEventListener("click", guard(() => showPassage(source.document_id, source.start, source.end)));
    item.append(title, where, passage);
    return item;
  }));
}

// Grounded writing: the text streams in, then the result turns its citations into links.
async function writeRequest(form) {
  const fields = new FormData(form);
  const body = { request: fields.get("request") };
  for (const name of ["mode", "style", "tone"]) if (fields.get(name)) body[name] = fields.get(name);
  if (fields.get("length")) body.length = Number(fields.get("length"));
  const output = document.getElementById("write-output");
  const answer = document.getElementById("write-answer");
  const used = document.getElementById("write-used");
  const refused = document.getElementById("write-refused");
  const sources = document.getElementById("write-sources");
  output.hidden = false;
  output.dataset.state = "writing";
  refused.hidden = true;
  answer.textContent = "";
  sources.replaceChildren();
  used.textContent = form.dataset.writing;
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await streamEvents("/api/write", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }, (name, data) => {
      if (name === "token") answer.append(data.text);
      else if (name === "error") throw new Error(data.error);
      else if (name === "result") {
        refused.hidden = !data.refused;
        used.textContent = data.refused ? "" : `${form.dataset.used}: ${data.mode}, ${data.style}`;
        renderCitedText(answer, data.text, data.sources);
        renderSources(sources, data.sources);
        output.dataset.state = data.refused ? "refused" : "written";
      }
    });
  } finally {
    button.disabled = false;
  }
}

// A job's row (Jobs page) or view (a capability's page) follows its SSE progress; each new
// progress message (a relaxation step, a batch) goes into the view's log; the end reloads.
function followJob(row) {
  const log = row.querySelector(".job-log");
  let last = row.querySelector(".job-message")?.textContent || "";
  streamEvents(`/api/jobs/${row.dataset.job}/events`, {}, (name, job) => {
    row.querySelector(".status").textContent = job.status;
    const bar = row.querySelector("progress");
    bar.max = job.total || 1;
    bar.value = job.done;
    row.querySelector(".count").textContent = `${job.done}/${job.total}`;
    if (log && job.message && job.message !== last) {
      const item = document.createElement("li");
      item.textContent = job.message;
      log.append(item);
      last = job.message;
    }
    if (name === "end") location.reload();
  }).catch((error) => showMessage(error.message, true));
}

// Submit a job of ``kind`` (parameters as JSON, files as multipart), then show it on this page.
async function submitJob(kind, params, files) {
  const body = new FormData();
  body.append("params", JSON.stringify(params));
  for (const file of files || []) body.append("files", file);
  const job = await api("POST", `/api/jobs/${kind}`, body);
  location.href = `${location.pathname}?job=${job.id}`;
}

const splitList = (text) => String(text || "").split(/[,、，]/).map((s) => s.trim()).filter(Boolean);

document.addEventListener("DOMContentLoaded", () => {
  wireDropZones();

  on("login-form", "submit", guard(async (event) => {
    const form = new FormData(event.target);
    try {
      await api("POST", "/api/login", { user: form.get("user"), password: form.get("password") });
    } catch (_) {
      throw new Error(event.target.dataset.failed);
    }
    location.href = location.pathname === "/login" ? "/knowledge" : location.href;
  }));

  on("logout", "click", guard(async () => {
    await api("POST", "/api/logout");
    location.href = "/login";
  }));

  on("search-form", "submit", guard(async (event) => {
    const q = new FormData(event.target).get("q");
    renderHits(await api("GET", `/api/search?q=${encodeURIComponent(q)}&k=10`), event.target.dataset.empty);
  }));

  on("upload-form", "submit", guard(async (event) => {
    const results = await api("POST", "/api/documents", new FormData(event.target));
    const failed = results.filter((r) => r.status === "failed");
    if (failed.length) throw new Error(failed.map((r) => r.reason).join("; "));
    location.reload();
  }));

  document.querySelectorAll("button.delete").forEach((button) => button.addEventListener("click", guard(async () => {
    await api("DELETE", `/api/documents/${button.dataset.id}`);
    location.reload();
  })));

  document.querySelectorAll("button.share").forEach((button) => button.addEventListener("click", guard(async () => {
    const readers = prompt(button.dataset.prompt);
    if (!readers) return;
    await api("PUT", `/api/documents/${button.dataset.id}/readers`, { readers });
    location.reload();
  })));

  on("write-form", "submit", guard((event) => writeRequest(event.target)));

  on("ingest-job-form", "submit", guard(async (event) => {
    const form = new FormData(event.target);
    await submitJob("ingest", { readers: form.get("readers") }, form.getAll("files"));
  }));

  on("classify-form", "submit", guard(async (event) => {
    const form = new FormData(event.target);
    await submitJob("classify", {
      labels: splitList(form.get("labels")),
      instruction: form.get("instruction") || "",
      text_column: form.get("text_column") || "text",
      engine: form.get("engine"),
    }, form.getAll("files"));
  }));

  on("curate-form", "submit", guard(async (event) => {
    const form = new FormData(event.target);
    const threshold = form.get("threshold");
    await submitJob("curate", {
      pipeline: form.get("pipeline") || "",
      text_field: form.get("text_field") || "text",
      threshold: threshold === "" || threshold === null ? null : Number(threshold),
    }, form.getAll("files"));
  }));

  on("simulate-form", "submit", guard(async (event) => {
    const form = new FormData(event.target);
    await submitJob("simulate", { request: form.get("request"), calculator: form.get("calculator") || null });
  }));

  document.querySelectorAll("tr[data-job], #job-view").forEach((row) => {
    if (row.dataset.status === "queued" || row.dataset.status === "running") followJob(row);
  });

  document.querySelectorAll("button.cancel-job").forEach((button) => button.addEventListener("click", guard(async () => {
    await api("POST", `/api/jobs/${button.dataset.job}/cancel`);
  })));

  on("add-user-form", "submit", guard(async (event) => {
    const form = new FormData(event.target);
    await api("POST", "/api/admin/users", {
      name: form.get("name"), password: form.get("password") || null, admin: form.get("admin") === "on",
    });
    location.reload();
  }));

  on("add-group-form", "submit", guard(async (event) => {
    const form = new FormData(event.target);
    const members = String(form.get("members") || "").split(",").map((m) => m.trim()).filter(Boolean);
    await api("POST", "/api/admin/groups", { name: form.get("name"), members });
    location.reload();
  }));
});

window.sakuin = { api, streamEvents, showMessage, showPassage, submitJob };
