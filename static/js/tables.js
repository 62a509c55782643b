// A table wider than its box scrolls sideways inside it (the box is a focusable, named
// region, so keyboards can scroll it too). The shadows on its edges (CSS alone) show there
// is more; this adds the words: "Scroll sideways for more →" under a table while columns
// are out of sight on the right, gone once the table fits or is scrolled to its end.
(function () {
  "use strict";
  var wraps = document.querySelectorAll(".table-wrap");
  if (!wraps.length) { return; }

  function update(wrap) {
    var hidden = wrap.scrollWidth - wrap.clientWidth - wrap.scrollLeft > 2;
    wrap.classList.toggle("more-right", hidden);
  }

  wraps.forEach(function (wrap) {
    var cue = document.createElement("p");
    cue.className = "scroll-cue";
    cue.setAttribute("aria-hidden", "true");
    cue.textContent = "Scroll sideways for more →";
    wrap.insertAdjacentElement("afterend", cue);
    wrap.addEventListener("scroll", function () { update(wrap); }, { passive: true });
    update(wrap);
  });
  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      wraps.forEach(update);
    });
  });
})();
