/* Guest review (the guest's preview page and the studio's review page): pin a comment to the
 * player's current time, quote selected text of the notes or profile, play from a comment's
 * time, and send each form once. Without JavaScript every field can be filled in by hand. */
(function () {
  "use strict";

  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  }

  function audio() { return document.querySelector("audio"); }

  function choose(anchor) {
    var radio = document.querySelector('input[name="anchor"][value="' + anchor + '"]');
    if (radio) radio.checked = true;
  }

  document.addEventListener("click", function (event) {
    var pin = event.target.closest("[data-pin]");
    if (pin && audio()) {
      document.querySelector('[name="' + pin.dataset.pin + '"]').value = clock(audio().currentTime);
      choose("time");
      return;
    }
    var play = event.target.closest("[data-play-at]");
    if (play && audio()) {
      audio().currentTime = parseFloat(play.dataset.playAt) || 0;
      audio().play();
      return;
    }
    if (event.target.closest("[data-quote-selection]")) quoteSelection();
  });

  var lastSelection = null;
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    var text = selection ? selection.toString().trim() : "";
    var button = document.querySelector("[data-quote-selection]");
    if (!text || !button) return;
    var node = selection.anchorNode && selection.anchorNode.parentElement;
    var source = node && node.closest(".episode .notes, [data-quote-source]");
    if (!source) return;
    lastSelection = { text: text, anchor: source.dataset.quoteSource || "notes" };
    button.hidden = false;
  });

  function quoteSelection() {
    if (!lastSelection) return;
    document.getElementById("review-quote").value = lastSelection.text.slice(0, 1000);
    choose(lastSelection.anchor);
    document.getElementById("review-body").focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("[data-submit-once]").forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
    });
  });
})();
