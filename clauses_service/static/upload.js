// Optional: the upload form of "Déclarer mes heures" shows a progress bar while a large
// file is sent (XMLHttpRequest upload.onprogress), then goes to the result page. Without
// JavaScript the form is sent as usual; the server says the same things either way.
(function () {
  "use strict";
  function showPage(html) {
    // An error page from the server (form with its message): show it in place.
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
  }
  function send(form, event) {
    var input = form.querySelector('input[type="file"]');
    var file = input && input.files && input.files[0];
    if (!file || !window.FormData || !window.XMLHttpRequest) { return; }
    var box = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    var max = Number(form.getAttribute("data-max-bytes") || "0");
    event.preventDefault();
    if (max && file.size > max) {
      box.hidden = false;
      status.textContent = form.getAttribute("data-too-big");
      status.className = "upload-status error";
      return;
    }
    var button = form.querySelector('button[type="submit"]');
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      bar.textContent = percent + " %";
      status.textContent = percent < 100 ? "Envoi : " + percent + " %" : "Fichier reçu, contrôle des lignes en cours…";
    };
    xhr.onload = function () {
      var target = xhr.responseURL || "";
      if (xhr.status === 200 && target && target.split("?")[0] !== form.action.split("?")[0]) {
        window.location.assign(target);  // followed the redirect: the result page
      } else {
        showPage(xhr.responseText);
      }
    };
    xhr.onerror = function () {
      status.textContent = "L'envoi a échoué (connexion interrompue) : réessayez.";
      status.className = "upload-status error";
      if (button) { button.disabled = false; }
    };
    box.hidden = false;
    status.className = "upload-status";
    status.textContent = "Envoi : 0 %";
    if (button) { button.disabled = true; }
    xhr.send(new FormData(form));
  }
  // Delegated, so that it still works on a page shown in place after an error.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.hasAttribute && form.hasAttribute("data-upload-progress")) { send(form, event); }
  });
})();
