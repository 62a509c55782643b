// Shows only the inputs the chosen kind of rule and audience use. Without script every
// input stays visible, and the server ignores the ones the kind does not read.
(function () {
  "use strict";
  var form = document.getElementById("rule-form");
  if (!form) return;
  var kind = form.querySelector("#kind");
  var scope = form.querySelector("#scope");
  var help = document.getElementById("kind-help");

  function toggle(attribute, value) {
    form.querySelectorAll("[" + attribute + "]").forEach(function (el) {
      var show = el.getAttribute(attribute).split(" ").indexOf(value) !== -1;
      el.hidden = !show;
      el.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !show;
      });
    });
  }

  function update() {
    toggle("data-kinds", kind.value);
    toggle("data-scopes", scope.value);
    var text = document.getElementById("help-" + kind.value);
    if (help) help.textContent = text ? "— " + text.textContent : "";
  }

  kind.addEventListener("change", update);
  scope.addEventListener("change", update);
  update();
})();
