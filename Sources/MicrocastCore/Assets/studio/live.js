// Each file's processing, pushed by the server (Server-Sent Events): every
// element with `data-media` gets its `data-state` (queued, processing, done,
// failed), a progress bar while it processes, and the reason when it fails.
"use strict";
window.Microcast = window.Microcast || {};
window.Microcast.watch = function (endpoint, ids) {
  if (!ids.length || !window.EventSource) return;
  const source = new EventSource(endpoint + "?media=" + ids.join(","));
  source.addEventListener("media", (event) => {
    const update = JSON.parse(event.data);
    for (const element of document.querySelectorAll("[data-media='" + update.id + "']")) {
      element.dataset.state = update.state;
      const label = element.querySelector(".state-label, .detail");
      if (label) label.textContent = update.state === "processing" && update.progress != null
        ? "processing " + update.progress + " %" : update.state + (update.error ? ": " + update.error : "");
      const bar = element.querySelector("progress.processing");
      if (bar && update.state === "processing") { bar.hidden = false; if (update.progress != null) bar.value = update.progress; }
      if (bar && update.state === "done") bar.value = 100;
      const reason = element.querySelector(".reason");
      if (reason) reason.textContent = update.error || "";
    }
  });
  source.addEventListener("end", () => source.close());
};
(function () {
  const list = document.querySelector("ul.media[data-events]");
  if (list) {
    const ids = [...list.querySelectorAll("[data-media]")]
      .filter((element) => element.dataset.state === "queued" || element.dataset.state === "processing")
      .map((element) => element.dataset.media);
    window.Microcast.watch(list.dataset.events, ids);
  }
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => {
      const field = document.getElementById(button.dataset.copy);
      field.select();
      if (navigator.clipboard) navigator.clipboard.writeText(field.value);
    });
  }
})();
