// Uploads of the folder page: files chosen (on a phone: a photo taken) or dropped on the zone
// leave at once, one request per file, each listed by its name with its progress bar and its
// state (« En attente », « En cours », « Déposé », « Refusé : » and why); the document list
// refreshes when all are done. Without this script the form still works (one submit for all).
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function row(list, file) {
    var item = document.createElement("li");
    item.className = "upload-item";
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Envoi de " + file.name);
    var status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = "En attente";
    item.append(name, bar, status);
    list.append(item);
    return { item: item, bar: bar, status: status };
  }

  function send(url, file, view) {
    return new Promise(function (resolve) {
      var request = new XMLHttpRequest();
      var data = new FormData();
      data.append("file", file, file.name);
      request.open("POST", url);
      request.setRequestHeader("X-CSRFToken", csrfToken());
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        view.bar.value = Math.round((event.loaded / event.total) * 100);
        view.status.textContent = "En cours : " + view.bar.value + " %";
      });
      request.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
        if (request.status === 201) {
          view.bar.value = 100;
          view.status.textContent = "Déposé";
          view.item.classList.add("upload-done");
          // What the depositor must know about this file (a format the cabinet cannot use,
          // and what to deposit instead), beside it.
          var deposited = (answer.documents || [])[0] || {};
          (deposited.notices || []).forEach(function (notice) {
            var line = document.createElement("span");
            line.className = "deposit-notice";
            line.setAttribute("role", "note");
            line.textContent = notice;
            view.item.append(line);
            view.item.classList.add("upload-noticed");
          });
        } else {
          var errors = answer.errors || [];
          view.status.textContent = "Refusé : " + (errors.length ? errors[0].message : "échec de l'envoi");
          view.item.classList.add("upload-failed");
        }
        resolve();
      });
      request.addEventListener("error", function () {
        view.status.textContent = "Échec de l'envoi : connexion interrompue";
        view.item.classList.add("upload-failed");
        resolve();
      });
      view.status.textContent = "En cours";
      request.send(data);
    });
  }

  function refresh(zone) {
    var url = zone.dataset.refreshUrl + window.location.search;
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: "#documents", swap: "outerHTML" });
    } else {
      window.location.reload();
    }
  }

  function uploadAll(zone, files) {
    var list = zone.querySelector(".upload-list");
    var url = zone.dataset.uploadUrl;
    var queue = Array.prototype.slice.call(files);
    var views = queue.map(function (file) { return row(list, file); });
    // One file after the other: a progress bar that moves is better than ten that crawl.
    var chain = Promise.resolve();
    queue.forEach(function (file, index) {
      chain = chain.then(function () { return send(url, file, views[index]); });
    });
    chain.then(function () { refresh(zone); });
  }

  function init() {
    document.querySelectorAll(".upload-zone").forEach(function (zone) {
      var input = zone.querySelector(".upload-input");
      var submit = zone.querySelector(".upload-submit");
      if (submit) submit.hidden = true;
      input.addEventListener("change", function () {
        if (input.files.length) uploadAll(zone, input.files);
        input.value = "";
      });
      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (event) {
          event.preventDefault();
          zone.classList.add("upload-zone-active");
        });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function (event) {
          event.preventDefault();
          zone.classList.remove("upload-zone-active");
        });
      });
      zone.addEventListener("drop", function (event) {
        if (event.dataTransfer && event.dataTransfer.files.length) {
          uploadAll(zone, event.dataTransfer.files);
        }
      });
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
