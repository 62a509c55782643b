// The statement run's progress on the admin Statements page: while the run is queued or
// running, ask for its figures every two seconds and update the line and the bar; when it
// ends, reload once so the list shows the new statements. Without script the page shows
// the figures as of its loading (reload to update).
(function () {
  var box = document.getElementById("statement-run");
  if (!box || box.dataset.open !== "true") { return; }
  var summary = box.querySelector(".run-summary");
  var bar = box.querySelector(".run-bar");
  var error = box.querySelector(".run-error");
  var poll = function () {
    fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) { window.setTimeout(poll, 5000); return; }
        if (!run.open) { window.location.reload(); return; }
        if (run.status === "running" && run.total !== null) {
          summary.textContent = "Making statements: " + run.rendered + " of " + run.total + " rendered.";
          bar.max = Math.max(run.total, 1);
          bar.value = run.rendered;
        } else if (run.status === "running") {
          summary.textContent = "Making statements: counting partners.";
        }
        if (run.error) { error.textContent = run.error; error.hidden = false; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  };
  window.setTimeout(poll, 2000);
})();
