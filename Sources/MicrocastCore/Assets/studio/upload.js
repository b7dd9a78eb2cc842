// Resumable uploads by the tus 1.0 protocol: create, then PATCH the file in
// chunks; after a failure, HEAD says where the server stopped and the upload
// goes on from there. A reload resumes too: the upload's URL is kept per file.
"use strict";
window.Microcast = window.Microcast || {};
window.Microcast.upload = function (endpoint, file, csrf, onProgress) {
  // The server keeps every byte as it arrives, so a large chunk loses
  // nothing when the connection drops; fewer round trips are faster.
  const chunk = 32 * 1024 * 1024;
  const key = "microcast-upload:" + [file.name, file.size, file.lastModified].join(":");
  const headers = { "Tus-Resumable": "1.0.0", "X-CSRF-Token": csrf };
  const started = Date.now();
  let sentAtStart = null;

  function b64(text) { return btoa(unescape(encodeURIComponent(text))); }

  async function create() {
    const response = await fetch(endpoint, { method: "POST", credentials: "same-origin", headers: Object.assign({
      "Upload-Length": String(file.size),
      "Upload-Metadata": "filename " + b64(file.name) + ",filetype " + b64(file.type || "application/octet-stream"),
    }, headers) });
    if (response.status !== 201) throw await failure(response);
    const url = response.headers.get("Location");
    localStorage.setItem(key, url);
    return url;
  }

  async function offset(url) {
    const response = await fetch(url, { method: "HEAD", credentials: "same-origin", headers });
    if (response.status === 404 || response.status === 410) return null;
    if (!response.ok) throw await failure(response);
    return { offset: Number(response.headers.get("Upload-Offset")), media: response.headers.get("Upload-Media-URL") };
  }

  // XMLHttpRequest, because fetch cannot report upload progress.
  function patch(url, from) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("PATCH", url);
      request.withCredentials = true;
      for (const name in headers) request.setRequestHeader(name, headers[name]);
      request.setRequestHeader("Upload-Offset", String(from));
      request.setRequestHeader("Content-Type", "application/offset+octet-stream");
      request.upload.onprogress = (event) => report(from + event.loaded);
      request.onload = () => {
        if (request.status === 204) resolve({ offset: Number(request.getResponseHeader("Upload-Offset")), media: request.getResponseHeader("Upload-Media-URL") });
        else reject(new UploadError(request.status, reason(request.responseText)));
      };
      request.onerror = () => reject(new UploadError(0, "the connection dropped"));
      request.send(file.slice(from, Math.min(file.size, from + chunk)));
    });
  }

  function report(done) {
    if (sentAtStart === null) sentAtStart = done;
    const seconds = (Date.now() - started) / 1000;
    const speed = seconds > 0 ? (done - sentAtStart) / seconds : 0;
    onProgress({ done, total: file.size, speed, left: speed > 0 ? (file.size - done) / speed : null });
  }

  async function run() {
    let url = localStorage.getItem(key);
    let state = url ? await offset(url) : null;
    if (!state) { url = await create(); state = { offset: 0, media: null }; }
    let failures = 0;
    report(state.offset);
    while (!state.media) {
      try {
        state = await patch(url, state.offset);
        failures = 0;
      } catch (error) {
        if (error.status >= 400 && error.status < 500 && error.status !== 409) { localStorage.removeItem(key); throw error; }
        if (error.status === 403) throw error;
        if (++failures > 8) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(15000, 500 * 2 ** failures)));
        const known = await offset(url);
        if (!known) { localStorage.removeItem(key); throw new UploadError(410, "the upload expired; choose the file again"); }
        state = known;
      }
      report(state.offset);
    }
    localStorage.removeItem(key);
    return state.media;
  }
  return run();
};

class UploadError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}
async function failure(response) { return new UploadError(response.status, reason(await response.text())); }
function reason(text) {
  try { return JSON.parse(text).error_description || text; } catch (_) { return text || "the server refused the file"; }
}
window.Microcast.UploadError = UploadError;
window.Microcast.reason = reason;
