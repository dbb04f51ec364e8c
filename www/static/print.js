/* print.js: updates the print form's preview as you type (the form works without it: its Preview button). */
(function () {
  "use strict";
  var DELAY_MS = 500;

  function setup(form) {
    var url = form.getAttribute("data-preview");
    var box = form.querySelector(".preview");
    var status = form.querySelector(".preview-status");
    var timer = null;
    var serial = 0;

    if (!url || !box || !window.fetch || !window.FileReader || !window.URLSearchParams) {
      return;
    }

    function show(dataUri) {
      var img = box.querySelector("img.paper");
      if (!img) {
        img = document.createElement("img");
        img.className = "paper";
        img.alt = "What the printer will print";
        box.insertBefore(img, box.firstChild);
      }
      img.src = dataUri;
    }

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function refresh() {
      var fields = new URLSearchParams();
      var data = new FormData(form);
      var mine = ++serial;
      data.forEach(function (value, name) {
        if (name !== "action" && typeof value === "string") {
          fields.append(name, value);
        }
      });
      if (!fields.get("message")) {
        say("");
        return;
      }
      say("Drawing the preview…");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: fields.toString()
      }).then(function (response) {
        if (!response.ok) {
          return response.json().then(function (body) {
            throw new Error(body && body.error ? body.error : "The preview cannot be drawn.");
          }, function () {
            throw new Error("The preview cannot be drawn (" + response.status + ").");
          });
        }
        var warned = response.headers.get("X-Render-Warnings");
        return response.blob().then(function (blob) {
          return { blob: blob, warnings: warned ? JSON.parse(decodeURIComponent(warned)) : [] };
        });
      }).then(function (answer) {
        var reader = new FileReader();
        reader.onload = function () {
          if (mine === serial) {
            show(reader.result);
            say(answer.warnings.join(" "));
          }
        };
        reader.readAsDataURL(answer.blob);
      }).catch(function (error) {
        if (mine === serial) {
          say(error.message);
        }
      });
    }

    function later() {
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(refresh, DELAY_MS);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form.print-form");
    for (var i = 0; i < forms.length; i++) {
      setup(forms[i]);
    }
  });
})();
