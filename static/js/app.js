// MyRopo: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var script = document.currentScript;
  if ("serviceWorker" in navigator && script && script.dataset.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).catch(function () {});
    });
  }
  // Copy buttons: <button data-copy="text">; the label changes briefly to confirm, and a
  // status element (data-copy-status) tells screen readers, or says how to copy by hand
  // where the browser gives no clipboard (a page not served over HTTPS).
  function copyStatus(button, text) {
    var status = button.dataset.copyStatus && document.getElementById(button.dataset.copyStatus);
    if (status) status.textContent = text;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var failed = function () { copyStatus(button, button.dataset.copyFailed || ""); };
    if (!navigator.clipboard) { failed(); return; }
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      var original = button.textContent;
      button.textContent = button.dataset.copiedLabel || original;
      copyStatus(button, button.dataset.copiedLabel || "");
      setTimeout(function () { button.textContent = original; copyStatus(button, ""); }, 2000);
    }, failed);
  });
})();
