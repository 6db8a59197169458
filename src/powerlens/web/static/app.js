/* powerlens web app: quick exit, drag and drop, one history entry. No data leaves the page.

Every navigation inside the app replaces the current history entry (location.replace), and
forms are sent with fetch and followed the same way, so the tab holds a single entry for the
app and Quick exit replaces it with the neutral page: Back does not return to the app. */
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

  // Forms are sent in the background; the answer says where to go (replacing this entry) or
  // why it was refused (shown above the form). Leaving the page cancels the request, and the
  // server then stops the analysis.
  function showProblem(form, text) {
    var box = document.getElementById("error");
    if (!box) {
      box = document.createElement("div");
      box.id = "error";
      box.className = "error";
      box.setAttribute("role", "alert");
      form.parentNode.insertBefore(box, form);
    }
    box.textContent = text;
    box.scrollIntoView({block: "nearest"});
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector(".sending");
    if (button) { button.disabled = true; }
    if (status) { status.hidden = false; }
    function settle() {
      if (button) { button.disabled = false; }
      if (status) { status.hidden = true; }
    }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: {"Accept": "application/json"},
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (response.ok && answer.location) {
          window.location.replace(answer.location);
          return;
        }
        settle();
        var problem = answer.error || {};
        var prefix = form.getAttribute("data-refused") || "Not done.";
        showProblem(form, prefix + " " + (problem.text || "HTTP " + response.status));
      });
    }).catch(function () {
      settle();
      showProblem(form, "The app did not answer. Is it still running?");
    });
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
