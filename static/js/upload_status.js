// Poll an upload's status once a second, show its stage and progress, and reload the page
// when it has finished so the result and the problems are shown. No libraries.
(function () {
  "use strict";

  var panel = document.getElementById("upload-progress");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-status-url");
  var bar = panel.querySelector("progress");
  var stage = panel.querySelector("[data-role=stage]");
  var announce = panel.querySelector("[data-role=announce]");
  var INTERVAL_MS = 1000;
  // Screen readers hear a change of stage, or progress in steps of 10%, not every second.
  var lastStage = stage ? stage.textContent : "";
  var lastStep = bar ? Math.floor(Number(bar.value) / 10) : 0;
  var failures = 0;

  function show(data) {
    var percent = Math.max(0, Math.min(100, Number(data.progress) || 0));
    if (bar) {
      bar.value = percent;
      bar.textContent = percent + "%";
    }
    if (stage) {
      stage.textContent = data.stage_label;
    }
    var step = Math.floor(percent / 10);
    if (announce && (data.stage_label !== lastStage || step !== lastStep)) {
      announce.textContent = data.stage_label + ": " + percent + "% done";
      lastStage = data.stage_label;
      lastStep = step;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected) {
          // Signed out meanwhile: reloading shows the sign-in page.
          window.location.reload();
          return new Promise(function () {});
        }
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, INTERVAL_MS);
        }
      })
      .catch(function () {
        // A dropped request or a restarting server: back off, then keep trying.
        failures += 1;
        window.setTimeout(poll, INTERVAL_MS * Math.min(10, 1 + failures));
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
