// MyRopo: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var script = document.currentScript;
  if ("serviceWorker" in navigator && script && script.dataset.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).catch(function () {});
    });
  }
  // Copy buttons: <button data-copy="text">; the label changes briefly to confirm.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      var original = button.textContent;
      button.textContent = button.dataset.copiedLabel || original;
      setTimeout(function () { button.textContent = original; }, 2000);
    });
  });
})();
