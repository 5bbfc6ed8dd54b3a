/* The progress bar of a background import (templates/imports/_job.html): polls the job's status
   (imports:job_status, JSON) and moves the bar, the phase, the time left and the rows read, checked and
   written; once the job has ended, puts the section the server sends (the result, or why it failed and
   "Run the import again") in place of this one, and the list of past imports sent with it. Texts come
   formatted from the server, in the page's language. An export job's page (templates/imports/_export_job.html,
   imports:export_status) has the same ids and JSON, without the rows read and checked nor the list: what a
   page lacks is left alone. */
(function () {
  "use strict";

  var INTERVAL = 700; // ms between two polls
  var RETRY = 3000; // after a failed poll (a busy server, a dropped connection)

  function text(id, value) {
    var element = document.getElementById(id);
    if (element && value !== undefined && value !== null) element.textContent = value;
  }

  function show(section, data) {
    var bar = document.getElementById("import-progress");
    if (bar) {
      bar.value = data.percent;
      bar.textContent = data.percent + "%";
      bar.setAttribute("aria-valuetext", data.percent + "% · " + data.text.phase);
    }
    text("import-job-title", data.text.title);
    text("import-progress-percent", data.percent + "%");
    text("import-progress-phase", data.text.phase);
    text("import-progress-left", data.text.left);
    text("rows-total", data.text.total);
    text("rows-read", data.text.read);
    text("rows-checked", data.text.checked);
    text("rows-written", data.text.written);
    var waiting = document.getElementById("import-progress-waiting");
    if (waiting) waiting.hidden = !data.text.waiting;
    section.setAttribute("data-status", data.status);
    section.setAttribute("data-phase", data.phase);
  }

  function poll(section) {
    var url = section.getAttribute("data-status-url");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        show(section, data);
        if (data.html) {
          // Ended: the server's section (the bar at its end, then the summary or the failure).
          var holder = document.createElement("div");
          holder.innerHTML = data.html;
          var replacement = holder.firstElementChild;
          section.replaceWith(replacement);
          // The import page's list of past imports, with this one now (an export's page has none).
          var history = document.getElementById("import-history-section");
          if (history && data.history) {
            holder.innerHTML = data.history;
            history.replaceWith(holder.firstElementChild);
          }
          return;
        }
        window.setTimeout(function () { poll(section); }, INTERVAL);
      })
      .catch(function () {
        window.setTimeout(function () { poll(section); }, RETRY);
      });
  }

  function start() {
    var section = document.getElementById("import-job");
    if (!section) return;
    var status = section.getAttribute("data-status");
    if (status === "queued" || status === "running") window.setTimeout(function () { poll(section); }, INTERVAL);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
