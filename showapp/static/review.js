/* Guest review (the guest's preview page and the studio's review page): pin a comment to the
 * player's current time, quote selected text of the notes or profile, play from a comment's
 * time, and send each form once. Without JavaScript every field can be filled in by hand. */
(function () {
  "use strict";

  function audio() { return document.querySelector("audio"); }

  /* The guest's preview page holds the site's player (player.js, loaded first): a pin takes
   * the time as the player shows it. */
  function player() {
    var root = document.querySelector("[data-player]");
    return root && root.player;
  }

  function choose(anchor) {
    var radio = document.querySelector('input[name="anchor"][value="' + anchor + '"]');
    if (radio) radio.checked = true;
  }

  document.addEventListener("click", function (event) {
    var pin = event.target.closest("[data-pin]");
    if (pin && player()) {
      document.querySelector('[name="' + pin.dataset.pin + '"]').value = player().clock();
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
  function noteSelection() {
    var selection = window.getSelection();
    var text = selection ? selection.toString().trim() : "";
    var button = document.querySelector("[data-quote-selection]");
    if (!text || !button) return;
    var node = selection.anchorNode && selection.anchorNode.parentElement;
    var source = node && node.closest(".episode .notes, [data-quote-source]");
    if (!source) return;
    lastSelection = { text: text, anchor: source.dataset.quoteSource || "notes" };
    button.hidden = false;
  }
  document.addEventListener("selectionchange", noteSelection);
  // Text selected while the page was still loading, before this listener: offer it too.
  noteSelection();

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
