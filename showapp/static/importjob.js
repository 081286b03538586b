// Poll an import's progress and move the bar; reload once it has finished to show the summary.
(function () {
  "use strict";
  var box = document.getElementById("import-status");
  if (!box || box.dataset.state === "done" || box.dataset.state === "failed") return;
  var url = box.dataset.progressUrl;
  var bar = document.getElementById("import-bar");
  var count = document.getElementById("import-count");
  var current = document.getElementById("import-current");
  var labels = {queued: "Waiting to start", fetch: "Fetching the feed",
                episodes: "Importing episodes", media: "Downloading audio"};

  function show(progress) {
    if (progress.total > 0) {
      bar.max = progress.total;
      bar.value = progress.done;
      count.textContent = progress.done + " of " + progress.total;
    }
    var label = document.querySelector("label[for=import-bar]");
    if (label && labels[progress.phase]) label.textContent = labels[progress.phase];
    current.textContent = progress.current;
  }

  function poll() {
    fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
