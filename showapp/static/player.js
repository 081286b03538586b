/* The episode player: one designed control (play/pause, a seek bar with the time, skips,
 * speed, chapter and transcript panels) over the page's <audio controls>, which stays as it
 * is when this file does not run. A chapter list and a transcript follow playback. Chapters (Podcasting 2.0 JSON) and the transcript
 * (WebVTT) are fetched from the URLs in data-chapters-url and data-transcript-url. */
(function () {
  "use strict";

  function formatClock(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function parseClock(value) {
    if (!value) return null;
    value = String(value).trim();
    if (/^\d+(\.\d+)?$/.test(value)) return parseFloat(value);
    var parts = value.split(":");
    if (parts.some(function (p) { return !/^\d+(\.\d+)?$/.test(p); })) return null;
    return parts.reduce(function (acc, p) { return acc * 60 + parseFloat(p); }, 0);
  }

  /* WebVTT cue timings: "00:01:02.500 --> 00:01:05.000" or "01:02.500 --> ...". */
  function parseVtt(text) {
    var cues = [];
    var blocks = text.replace(/\r\n?/g, "\n").split(/\n\n+/);
    blocks.forEach(function (block) {
      var lines = block.split("\n");
      var index = lines.findIndex(function (l) { return l.indexOf("-->") !== -1; });
      if (index === -1) return;
      var times = lines[index].split("-->");
      var start = parseClock(times[0].trim().replace(",", "."));
      var end = parseClock(times[1].trim().split(/\s+/)[0].replace(",", "."));
      var body = lines.slice(index + 1).join(" ").trim();
      var speaker = null;
      var voice = body.match(/^<v(?:\.[^ >]*)?\s+([^>]+)>/);
      if (voice) speaker = voice[1].trim();
      body = body.replace(/<[^>]+>/g, "");
      if (start !== null && body) cues.push({ start: start, end: end, text: body, speaker: speaker });
    });
    return cues;
  }

  function Player(root) {
    this.root = root;
    this.audio = root.querySelector("audio");
    this.toggle = root.querySelector('[data-action="toggle"]');
    this.toggleLabel = root.querySelector("[data-toggle-label]");
    this.time = root.querySelector("[data-time]");
    this.durationText = root.querySelector("[data-duration]");
    this.seekBar = root.querySelector("[data-seek-bar]");
    this.chapterText = root.querySelector("[data-current-chapter]");
    this.dragging = false;
    this.share = root.querySelector("[data-share]");
    this.shareAt = root.querySelector("[data-share-at]");
    this.cues = [];
    this.cueNodes = [];
    this.chapters = [];
    this.chapterNodes = [];
    this.activeCue = -1;
    this.activeChapter = -1;
    this.enhance();
    this.bind();
    this.startAt(parseFloat(root.dataset.start || "0"));
    if (root.dataset.chaptersUrl) this.loadChapters(root.dataset.chaptersUrl);
    if (root.dataset.transcriptUrl) this.loadTranscript(root.dataset.transcriptUrl);
  }

  /* Swap the browser's bar for the designed one (the <audio> stays, hidden, as the engine). */
  Player.prototype.enhance = function () {
    var bar = this.root.querySelector("[data-player-bar]");
    if (bar) bar.hidden = false;
    this.root.classList.add("enhanced");
  };

  Player.prototype.showDuration = function () {
    var total = this.audio.duration;
    if (!isFinite(total) || total <= 0) return;
    if (this.seekBar) this.seekBar.max = String(Math.floor(total));
    if (this.durationText) this.durationText.textContent = formatClock(total);
  };

  /* The Chapters and Transcript buttons show and hide their panel. */
  Player.prototype.bindPanel = function (name) {
    var button = this.root.querySelector('[data-panel="' + name + '"]');
    var panel = this.root.querySelector("[data-" + name + "]");
    if (!button || !panel) return;
    var compact = this.root.hasAttribute("data-compact");
    button.hidden = false;
    button.setAttribute("aria-expanded", compact ? "false" : "true");
    panel.hidden = compact;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      panel.hidden = !open;
    });
  };

  Player.prototype.bind = function () {
    var self = this;
    var audio = this.audio;
    this.root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action], [data-seek]");
      if (!button || !self.root.contains(button)) return;
      if (button.dataset.seek !== undefined) {
        self.seek(parseFloat(button.dataset.seek), true);
        return;
      }
      var action = button.dataset.action;
      if (action === "toggle") self.playPause();
      else if (action === "back") self.seek(audio.currentTime - 15, false);
      else if (action === "forward") self.seek(audio.currentTime + 30, false);
      else if (action === "copy") self.copyShare();
    });
    var speed = this.root.querySelector('[data-action="speed"]');
    if (speed) {
      speed.addEventListener("change", function () { audio.playbackRate = parseFloat(speed.value); });
      audio.addEventListener("ratechange", function () { speed.value = String(audio.playbackRate); });
    }
    audio.addEventListener("play", function () { self.setToggle(true); });
    audio.addEventListener("pause", function () { self.setToggle(false); });
    audio.addEventListener("timeupdate", function () { self.update(); });
    audio.addEventListener("loadedmetadata", function () { self.showDuration(); });
    audio.addEventListener("durationchange", function () { self.showDuration(); });
    if (this.seekBar) {
      var bar = this.seekBar;
      bar.addEventListener("input", function () {
        self.dragging = true;
        self.time.textContent = formatClock(parseFloat(bar.value));
      });
      bar.addEventListener("change", function () {
        self.dragging = false;
        self.seek(parseFloat(bar.value), false);
      });
    }
    audio.addEventListener("seeked", function () { self.update(); });
    if (this.shareAt) this.shareAt.addEventListener("change", function () { self.updateShare(); });
    /* Keyboard: space/k plays or pauses, arrows skip, while focus is inside the player
     * but not in a field that needs those keys. */
    this.root.addEventListener("keydown", function (event) {
      var tag = event.target.tagName;
      if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || tag === "AUDIO") return;
      if (event.key === "k" || (event.key === " " && tag !== "BUTTON")) { self.playPause(); event.preventDefault(); }
      else if (event.key === "ArrowLeft" || event.key === "j") { self.seek(audio.currentTime - 15, false); event.preventDefault(); }
      else if (event.key === "ArrowRight" || event.key === "l") { self.seek(audio.currentTime + 30, false); event.preventDefault(); }
    });
  };

  Player.prototype.startAt = function (seconds) {
    if (!seconds || seconds <= 0) return;
    var audio = this.audio;
    var apply = function () { audio.currentTime = seconds; };
    if (audio.readyState >= 1) apply();
    else audio.addEventListener("loadedmetadata", apply, { once: true });
    this.time.textContent = formatClock(seconds);
  };

  /* The current position as the time display shows it (review.js pins comments there). */
  Player.prototype.clock = function () { return formatClock(this.audio.currentTime); };

  Player.prototype.playPause = function () {
    if (this.audio.paused) {
      var playing = this.audio.play();
      if (playing && playing.catch) playing.catch(function () { /* autoplay refused: the user presses play */ });
    } else {
      this.audio.pause();
    }
  };

  Player.prototype.setToggle = function (playing) {
    var word = playing ? "Pause" : "Play";
    if (this.toggleLabel) this.toggleLabel.textContent = word;
    else this.toggle.textContent = word;
    this.toggle.setAttribute("aria-label", word);
    if (playing) this.toggle.setAttribute("data-playing", "");
    else this.toggle.removeAttribute("data-playing");
  };

  Player.prototype.seek = function (seconds, play) {
    var audio = this.audio;
    var target = Math.max(0, seconds);
    if (isFinite(audio.duration)) target = Math.min(target, audio.duration);
    if (audio.readyState >= 1) audio.currentTime = target;
    else audio.addEventListener("loadedmetadata", function () { audio.currentTime = target; }, { once: true });
    if (play && audio.paused) this.playPause();
    this.update(target);
  };

  Player.prototype.update = function (at) {
    var now = at !== undefined ? at : this.audio.currentTime;
    if (this.dragging) return;
    this.time.textContent = formatClock(now);
    if (this.seekBar) {
      this.seekBar.value = String(Math.floor(now));
      this.seekBar.setAttribute("aria-valuetext", formatClock(now) + " of " + (this.durationText ? this.durationText.textContent : ""));
    }
    this.highlight(this.cues, this.cueNodes, now, "activeCue", true);
    this.highlight(this.chapters, this.chapterNodes, now, "activeChapter", false);
    if (this.chapterText) {
      var chapter = this.chapters[this.activeChapter];
      this.chapterText.textContent = chapter ? chapter.title : "";
    }
    this.updateShare();
  };

  Player.prototype.highlight = function (items, nodes, now, key, follow) {
    var index = -1;
    for (var i = 0; i < items.length; i++) {
      if (items[i].start <= now + 0.05) index = i; else break;
    }
    if (index === this[key]) return;
    if (this[key] >= 0 && nodes[this[key]]) nodes[this[key]].removeAttribute("aria-current");
    this[key] = index;
    if (index >= 0 && nodes[index]) {
      nodes[index].setAttribute("aria-current", "true");
      if (follow) {
        var box = nodes[index].closest(".transcript-lines");
        if (box) box.scrollTop = nodes[index].offsetTop - box.offsetTop - box.clientHeight / 3;
      }
    }
  };

  Player.prototype.updateShare = function () {
    if (!this.share) return;
    var base = this.root.dataset.shareUrl;
    var at = this.shareAt && this.shareAt.checked ? Math.floor(this.audio.currentTime) : 0;
    this.share.value = at > 0 ? base + "?t=" + formatClock(at) : base;
  };

  Player.prototype.copyShare = function () {
    this.updateShare();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(this.share.value).catch(function () {});
    } else {
      this.share.select();
    }
  };

  Player.prototype.loadChapters = function (url) {
    var self = this;
    fetch(url, { headers: { Accept: "application/json+chapters, application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        self.chapters = (data.chapters || [])
          .filter(function (c) { return c.toc !== false && typeof c.startTime === "number"; })
          .sort(function (a, b) { return a.startTime - b.startTime; })
          .map(function (c) { return { start: c.startTime, title: c.title || formatClock(c.startTime) }; });
        self.renderList("[data-chapters]", self.chapters, "chapterNodes", function (c) {
          return [formatClock(c.start), c.title];
        });
      })
      .catch(function () { /* no chapters: the list stays hidden */ });
  };

  Player.prototype.loadTranscript = function (url) {
    var self = this;
    fetch(url, { headers: { Accept: "text/vtt" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (text) {
        self.cues = parseVtt(text);
        self.renderList("[data-transcript]", self.cues, "cueNodes", function (c) {
          return [formatClock(c.start), (c.speaker ? c.speaker + ": " : "") + c.text];
        });
      })
      .catch(function () { /* no transcript: the section stays hidden */ });
  };

  /* Each entry is a button (focusable, Enter/Space activate it) that seeks there. */
  Player.prototype.renderList = function (selector, items, key, describe) {
    var section = this.root.querySelector(selector);
    if (!section || !items.length) return;
    var list = section.querySelector("ol") || section.querySelector(".transcript-lines");
    var nodes = [];
    items.forEach(function (item) {
      var parts = describe(item);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "seek-line";
      button.dataset.seek = String(item.start);
      var stamp = document.createElement("span");
      stamp.className = "stamp";
      stamp.textContent = parts[0];
      var text = document.createElement("span");
      text.className = "line-text";
      text.textContent = parts[1];
      button.appendChild(stamp);
      button.appendChild(text);
      if (list.tagName === "OL") {
        var li = document.createElement("li");
        li.appendChild(button);
        list.appendChild(li);
      } else {
        list.appendChild(button);
      }
      nodes.push(button);
    });
    this[key] = nodes;
    section.hidden = false;
    this.bindPanel(selector === "[data-chapters]" ? "chapters" : "transcript");
    this.update();
  };

  document.querySelectorAll("[data-player]").forEach(function (root) {
    root.player = new Player(root);
  });

  /* "Play from here" links outside the player (advice on the episode page) seek the page's
   * player; without this file they are plain ?t= links, which start the player there. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-seek-to]");
    var root = document.querySelector("[data-player]");
    if (!link || !root || !root.player || root.contains(link)) return;
    event.preventDefault();
    root.player.seek(parseFloat(link.dataset.seekTo), true);
    root.scrollIntoView({ block: "nearest" });
  });
})();
