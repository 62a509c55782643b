// On a phone the main navigation folds behind a "Menu" button (a disclosure: the button
// says whether it is open with aria-expanded; Escape closes it and gives the focus back).
// Without this script the button stays hidden and the navigation wraps onto several lines,
// so every destination is still one tap away. On wider screens the button is not shown.
(function () {
  "use strict";
  var button = document.querySelector(".nav-toggle");
  var nav = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!nav) { return; }
  var bar = button.closest(".topbar");

  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    bar.classList.toggle("nav-open", open);
  }

  bar.classList.add("nav-folds");
  button.hidden = false;
  set(false);
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      set(false);
      button.focus();
    }
  });
})();
