// Copy buttons: <button data-copy="ID" hidden> copies the text of the field with that id.
// The buttons stay hidden without script; the fields are read-only and selectable anyway.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) { return; }
    var label = button.textContent;
    button.hidden = false;
    button.setAttribute("aria-live", "polite");
    button.addEventListener("click", function () {
      var done = function () {
        button.textContent = "Copied";
        window.setTimeout(function () { button.textContent = label; }, 2000);
      };
      var text = field.value !== undefined ? field.value : field.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () {
          field.select(); document.execCommand("copy"); done();
        });
      } else {
        field.focus();
        field.select();
        document.execCommand("copy");
        done();
      }
    });
  });
  // Selecting a read-only snippet on focus makes copying by hand one step.
  document.querySelectorAll("input.mono[readonly], textarea.mono[readonly]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
})();
