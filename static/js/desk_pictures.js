/* The compose box's pictures (issue 13): a picture chosen, dropped on the box or pasted into it
   gets a row asking for its alt text; "Add picture" uploads it (fetch, multipart) and the row
   the server sends back joins the update's form. Errors are shown on the field, in place.
   Rows move with their Up/Down buttons and leave with Remove: all of it by keyboard too. */
(function () {
  "use strict";

  var ACCEPTED = ["image/jpeg", "image/png", "image/webp", "image/gif"];

  function box(element) {
    return element && element.closest ? element.closest("[data-pictures]") : null;
  }

  function refreshPreview() {
    var preview = document.getElementById("compose-preview");
    if (preview && window.htmx) window.htmx.trigger(preview, "desk:preview");
  }

  function csrfToken(form) {
    var field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function addPending(pictures, file) {
    var template = pictures.querySelector("template[data-pending-picture]");
    var row = template.content.firstElementChild.cloneNode(true);
    var n = (addPending.count = (addPending.count || 0) + 1);
    row.querySelectorAll("input[data-field]").forEach(function (input) {
      input.id = "pending-" + n + "-" + input.dataset.field;
    });
    row.querySelectorAll("[data-error-for]").forEach(function (error) {
      error.id = "pending-" + n + "-error-" + error.dataset.errorFor;
      var input = row.querySelector("input[data-field='" + error.dataset.errorFor + "']");
      if (input) input.setAttribute("aria-describedby", error.id);
    });
    row.pendingFile = file;
    row.querySelector("[data-file-name]").textContent =
      (file.name || "Pasted picture") + " (" + Math.ceil(file.size / 1024) + " KB), not yet added";
    pictures.querySelector("[data-picture-list]").appendChild(row);
    row.querySelector("input[data-field=alt]").focus();
    return row;
  }

  function addFiles(pictures, files) {
    var added = null;
    Array.prototype.forEach.call(files, function (file) {
      if (ACCEPTED.indexOf(file.type) !== -1 || !file.type) added = addPending(pictures, file) || added;
    });
    if (added) added.querySelector("input[data-field=alt]").focus();
    return added;
  }

  function showErrors(row, errors) {
    var first = null;
    row.querySelectorAll("[data-error-for]").forEach(function (slot) {
      var messages = errors[slot.dataset.errorFor] || [];
      slot.textContent = messages.join(" ");
      var input = row.querySelector("input[data-field='" + slot.dataset.errorFor + "']");
      if (input) {
        if (messages.length) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
        if (messages.length && !first) first = input;
      }
    });
    var general = Object.keys(errors).filter(function (name) {
      return !row.querySelector("[data-error-for='" + name + "']");
    });
    if (general.length) {
      var slot = row.querySelector("[data-error-for=file]");
      slot.textContent = general.map(function (name) { return errors[name].join(" "); }).join(" ");
    }
    (first || row.querySelector("[data-picture-send]")).focus();
  }

  function send(row) {
    var pictures = box(row);
    var form = row.closest("form");
    var data = new FormData();
    data.append("file", row.pendingFile, row.pendingFile.name || "pasted.png");
    row.querySelectorAll("input[data-field]").forEach(function (input) {
      data.append(input.dataset.field, input.value);
    });
    if (!row.querySelector("input[data-field=alt]").value.trim()) {
      showErrors(row, { alt: ["Describe the picture for readers who cannot see it (alt text)."] });
      return;
    }
    var button = row.querySelector("[data-picture-send]");
    button.disabled = true;
    button.textContent = "Adding…";
    fetch(pictures.dataset.uploadUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form) },
    })
      .then(function (response) {
        if (response.ok) {
          return response.text().then(function (html) {
            row.insertAdjacentHTML("afterend", html);
            var added = row.nextElementSibling;
            row.remove();
            added.querySelector("input[type=text]").focus();
            refreshPreview();
          });
        }
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") !== -1) {
          return response.json().then(function (body) {
            showErrors(row, body.errors || {});
          });
        }
        var why = response.status === 413 ? "This file is too large to upload." : "The upload failed (" + response.status + "); try again.";
        showErrors(row, { file: [why] });
      })
      .catch(function () {
        showErrors(row, { file: ["The upload did not reach the server; check the connection and try again."] });
      })
      .finally(function () {
        button.disabled = false;
        button.textContent = "Add picture";
      });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("button");
    if (!target || !box(target)) return;
    var row = target.closest("li");
    if (target.matches("[data-picture-send]")) {
      send(row);
    } else if (target.matches("[data-picture-remove]")) {
      var next = row.nextElementSibling || row.previousElementSibling;
      var pictures = box(row);
      row.remove();
      (next ? next.querySelector("button, input[type=text]") : pictures.querySelector("[data-picture-picker]")).focus();
      refreshPreview();
    } else if (target.matches("[data-picture-move]")) {
      var up = target.dataset.pictureMove === "-1";
      var other = up ? row.previousElementSibling : row.nextElementSibling;
      if (!other) return;
      if (up) other.before(row);
      else other.after(row);
      target.focus();
      refreshPreview();
    }
  });

  // Enter in a pending row's field adds the picture, rather than publishing the update.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches("[data-pending] input")) return;
    event.preventDefault();
    send(event.target.closest("li"));
  });

  document.addEventListener("change", function (event) {
    var picker = event.target;
    if (!picker.matches || !picker.matches("[data-picture-picker]")) return;
    addFiles(box(picker), picker.files);
    picker.value = "";
  });

  // A screenshot pasted anywhere in a form with pictures (compose, edit); text stays text.
  function formWithPictures(event) {
    var form = event.target.closest && event.target.closest("form");
    return form && form.querySelector("[data-pictures]") ? form : null;
  }
  document.addEventListener("paste", function (event) {
    var form = formWithPictures(event);
    var pictures = form && form.querySelector("[data-pictures]");
    var files = event.clipboardData && event.clipboardData.files;
    if (!pictures || !files || !files.length) return;
    if (addFiles(pictures, files)) event.preventDefault();
  });

  var dropZone = formWithPictures;
  document.addEventListener("dragover", function (event) {
    var form = dropZone(event);
    if (!form || !event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, "Files") === -1) return;
    event.preventDefault();
    form.classList.add("compose__form--drop");
  });
  document.addEventListener("dragleave", function (event) {
    var form = dropZone(event);
    if (form) form.classList.remove("compose__form--drop");
  });
  document.addEventListener("drop", function (event) {
    var form = dropZone(event);
    if (!form || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    form.classList.remove("compose__form--drop");
    addFiles(form.querySelector("[data-pictures]"), event.dataTransfer.files);
  });
})();
