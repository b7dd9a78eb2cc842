// The composer: files by picker or drop, each uploaded with a progress bar
// (upload.js), photos reordered and described, the text previewed as
// Markdown, then one Micropub create to this site's own endpoint. Unsent
// text is kept in the browser, so an expired session loses nothing.
"use strict";
(function () {
  const form = document.getElementById("composer");
  if (!form) return;
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const status = document.getElementById("status");
  const draftKey = "microcast-draft";
  const lists = { photo: "photo-list", audio: "audio-list", video: "video-list" };
  const files = { photo: [], audio: [], video: [], chapters: null, transcript: null };
  const kindRadios = form.querySelectorAll("input[name=kind]");

  function kind() { return form.querySelector("input[name=kind]:checked").value; }
  function showKind() {
    for (const section of form.querySelectorAll("[data-for]")) section.hidden = section.dataset.for !== kind();
  }
  for (const radio of kindRadios) radio.addEventListener("change", showKind);
  showKind();

  // Each account is ticked for the kinds of post the owner chose for it
  // (the studio's Syndication page), until the owner ticks by hand.
  const accounts = form.querySelectorAll("input[name=mp-syndicate-to]");
  function postKind() { return kind() === "note" && form.elements.name.value.trim() ? "article" : kind(); }
  function tickDefaults() {
    for (const box of accounts) if (!box.dataset.touched) box.checked = box.dataset.kinds.split(" ").includes(postKind());
  }
  for (const box of accounts) box.addEventListener("change", () => { box.dataset.touched = "1"; });
  for (const radio of kindRadios) radio.addEventListener("change", tickDefaults);
  form.elements.name.addEventListener("input", tickDefaults);
  tickDefaults();

  // Unsent text stays in the browser.
  const kept = ["name", "content", "category", "episode", "season"];
  function saveDraft() {
    const draft = {};
    for (const name of kept) draft[name] = form.elements[name].value;
    draft.kind = kind();
    localStorage.setItem(draftKey, JSON.stringify(draft));
  }
  try {
    const draft = JSON.parse(localStorage.getItem(draftKey) || "null");
    if (draft) {
      for (const name of kept) if (draft[name]) form.elements[name].value = draft[name];
      const radio = form.querySelector("input[name=kind][value=" + (draft.kind || "note") + "]");
      if (radio) { radio.checked = true; showKind(); tickDefaults(); }
    }
  } catch (_) { localStorage.removeItem(draftKey); }
  form.addEventListener("input", saveDraft);

  function addFiles(target, chosen) {
    for (const file of chosen) {
      const entry = { file, alt: "", url: null };
      if (target === "photo") files.photo.push(entry); else files[target] = [entry];
    }
    render(target);
  }
  function render(target) {
    const list = document.getElementById(lists[target]);
    list.textContent = "";
    files[target].forEach((entry, index) => {
      const item = document.createElement("li");
      item.dataset.state = entry.state || "queued";
      entry.element = item;
      const thumb = document.createElement(target === "photo" ? "img" : "span");
      if (target === "photo") { thumb.src = URL.createObjectURL(entry.file); thumb.alt = ""; }
      item.append(thumb);
      const name = document.createElement("span");
      name.textContent = entry.file.name + " · " + Math.round(entry.file.size / 1024) + " KB";
      item.append(name);
      const controls = document.createElement("div");
      controls.className = "controls";
      if (target === "photo") {
        const id = "alt-" + index;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = "Alt text for " + entry.file.name;
        const alt = document.createElement("input");
        alt.type = "text"; alt.id = id; alt.value = entry.alt; alt.className = "alt";
        alt.addEventListener("input", () => { entry.alt = alt.value; });
        controls.append(label, alt);
        controls.append(button("Move up", "Move " + entry.file.name + " up", () => move(index, -1), index === 0));
        controls.append(button("Move down", "Move " + entry.file.name + " down", () => move(index, 1), index === files.photo.length - 1));
      }
      controls.append(button("Remove", "Remove " + entry.file.name, () => { files[target].splice(index, 1); render(target); }));
      const progress = document.createElement("progress");
      progress.max = 100; progress.value = 0;
      progress.setAttribute("aria-label", "Upload of " + entry.file.name);
      const processing = document.createElement("progress");
      processing.max = 100; processing.value = 0; processing.hidden = true; processing.className = "processing";
      processing.setAttribute("aria-label", "Processing of " + entry.file.name);
      const detail = document.createElement("span");
      detail.className = "detail";
      controls.append(progress, processing, detail);
      entry.progress = progress; entry.detail = detail;
      item.append(controls);
      list.append(item);
    });
  }
  function button(text, label, action, disabled) {
    const element = document.createElement("button");
    element.type = "button"; element.textContent = text; element.setAttribute("aria-label", label);
    element.disabled = !!disabled;
    element.addEventListener("click", action);
    return element;
  }
  function move(index, step) {
    const other = index + step;
    [files.photo[index], files.photo[other]] = [files.photo[other], files.photo[index]];
    render("photo");
    const moved = document.querySelectorAll("#photo-list button[aria-label^='Move']")[other * 2 + (step < 0 ? 0 : 1)];
    if (moved && !moved.disabled) moved.focus();
  }

  document.getElementById("photo-files").addEventListener("change", (event) => addFiles("photo", event.target.files));
  document.getElementById("audio-file").addEventListener("change", (event) => addFiles("audio", event.target.files));
  document.getElementById("video-file").addEventListener("change", (event) => addFiles("video", event.target.files));
  document.getElementById("chapters-file").addEventListener("change", (event) => { files.chapters = event.target.files[0] || null; });
  document.getElementById("transcript-file").addEventListener("change", (event) => { files.transcript = event.target.files[0] || null; });

  const drop = document.getElementById("drop");
  form.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  form.addEventListener("dragleave", () => drop.classList.remove("over"));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    for (const file of event.dataTransfer.files) {
      const type = file.type.split("/")[0];
      const target = type === "image" ? "photo" : type === "audio" ? "audio" : type === "video" ? "video" : null;
      if (!target) continue;
      form.querySelector("input[name=kind][value=" + target + "]").checked = true;
      showKind();
      addFiles(target, [file]);
    }
  });

  async function render_markdown(text) {
    const response = await fetch(form.dataset.preview, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "text/markdown; charset=utf-8", "X-CSRF-Token": csrf }, body: text,
    });
    if (response.status === 403) return expired();
    if (!response.ok) throw new Error("the preview failed");
    return response.text();
  }
  document.getElementById("preview-button").addEventListener("click", async () => {
    const preview = document.getElementById("preview");
    preview.innerHTML = await render_markdown(form.elements.content.value);
    preview.hidden = false;
  });

  function expired() {
    saveDraft();
    location.href = form.dataset.signIn + "?next=" + encodeURIComponent(location.href);
    throw new Error("signed out");
  }

  async function upload(entry) {
    entry.element.dataset.state = "uploading";
    try {
      entry.url = await window.Microcast.upload(form.dataset.uploads, entry.file, csrf, (progress) => {
        entry.progress.value = Math.round(progress.done / Math.max(1, progress.total) * 100);
        const left = progress.left === null ? "" : " · " + Math.ceil(progress.left) + " s left";
        entry.detail.textContent = Math.round(progress.done / 1048576) + " of " + Math.round(progress.total / 1048576) + " MB · "
          + (progress.speed / 1048576).toFixed(1) + " MB/s" + left;
      });
      entry.progress.value = 100;
      entry.element.dataset.state = "queued";
      return entry.url;
    } catch (error) {
      if (error.status === 403) expired();
      entry.element.dataset.state = "failed";
      entry.detail.textContent = error.message;
      throw error;
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("post-button");
    button.disabled = true;
    status.textContent = "Uploading…";
    try {
      const properties = {};
      const chosen = kind();
      if (chosen !== "note") {
        const entries = files[chosen];
        if (!entries.length) throw new Error("choose a file first");
        const urls = [];
        for (const entry of entries) urls.push(await upload(entry));
        properties[chosen] = chosen === "photo"
          ? entries.map((entry, index) => entry.alt ? { value: urls[index], alt: entry.alt } : urls[index]) : urls;
      }
      if (chosen === "audio") {
        if (files.chapters) properties.chapters = [await window.Microcast.upload(form.dataset.uploads, files.chapters, csrf, () => {})];
        if (files.transcript) properties.transcript = [await window.Microcast.upload(form.dataset.uploads, files.transcript, csrf, () => {})];
        for (const name of ["episode", "season"]) if (form.elements[name].value) properties[name] = [Number(form.elements[name].value)];
        properties["episode-type"] = [form.elements["episode-type"].value];
      }
      status.textContent = "Posting…";
      const name = form.elements.name.value.trim();
      if (name) properties.name = [name];
      const text = form.elements.content.value;
      if (text.trim()) properties.content = [{ html: await render_markdown(text), value: text }];
      const categories = form.elements.category.value.split(",").map((c) => c.trim()).filter(Boolean);
      if (categories.length) properties.category = categories;
      const targets = Array.from(accounts).filter((box) => box.checked).map((box) => box.value);
      if (targets.length) properties["mp-syndicate-to"] = targets;
      const when = form.querySelector("input[name=post-status]:checked").value;
      if (when === "draft") properties["post-status"] = ["draft"];
      if (when === "scheduled" && form.elements.published.value) properties.published = [new Date(form.elements.published.value).toISOString()];
      const response = await fetch(form.dataset.micropub, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ type: ["h-entry"], properties }),
      });
      if (response.status === 403) expired();
      if (response.status !== 201) throw new Error(window.Microcast.reason(await response.text()));
      localStorage.removeItem(draftKey);
      const link = document.createElement("a");
      link.href = response.headers.get("Location");
      link.textContent = when === "draft" ? "Saved as a draft." : when === "scheduled" ? "Scheduled." : "Posted.";
      status.textContent = "";
      status.append(link);
      const ids = [];
      for (const target of ["photo", "audio", "video"]) for (const entry of files[target]) if (entry.url) {
        const id = entry.url.split("/").pop().split(".")[0];
        entry.element.dataset.media = id;
        ids.push(id);
      }
      if (ids.length && window.Microcast.watch) window.Microcast.watch(form.dataset.events, ids);
    } catch (error) {
      if (error.message !== "signed out") status.textContent = "Not posted: " + error.message;
    } finally {
      button.disabled = false;
    }
  });
})();
