/* powerlens web app: quick exit, drag and drop, history kept short. No data leaves the page. */
(function () {
  "use strict";
  var NEUTRAL = "/weather";
  var lastEscape = 0;

  function quickExit() {
    // replace() swaps the current history entry, so Back does not return to this page.
    document.title = "Weather";
    document.body.innerHTML = "";
    window.location.replace(NEUTRAL);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 1500) { quickExit(); }
    lastEscape = now;
  });

  var exit = document.getElementById("quick-exit");
  if (exit) {
    exit.addEventListener("click", function (event) {
      event.preventDefault();
      quickExit();
    });
  }

  // Links inside the app replace the current entry, so the tab's history stays short.
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || link.hasAttribute("download") || link.id === "quick-exit") { return; }
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin) { return; }
    event.preventDefault();
    window.location.replace(url.href);
  });

  // Drag and drop a file onto the upload zone; never let a dropped file open in the tab.
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("file");
  var label = document.getElementById("dropname");
  ["dragover", "drop"].forEach(function (name) {
    document.addEventListener(name, function (event) { event.preventDefault(); });
  });
  if (!zone || !input) { return; }
  function showName() {
    if (label && input.files && input.files.length) {
      label.textContent = "Chosen: " + input.files[0].name;
    }
  }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showName();
    }
  });
  input.addEventListener("change", showName);
}());
