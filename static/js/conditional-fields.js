// Shows an input only while another field of its form has one of the listed values, e.g.
// <div data-when="kind=tiered recurring">. Hidden inputs are disabled, so they are not sent.
// Without script every input stays visible and the server ignores the ones it does not need.
(function () {
  "use strict";
  document.querySelectorAll("form").forEach(function (form) {
    var blocks = form.querySelectorAll("[data-when]");
    if (!blocks.length) return;
    var controls = {};

    function update() {
      blocks.forEach(function (block) {
        var rule = block.getAttribute("data-when").split("=");
        var control = controls[rule[0]];
        if (!control) return;
        var show = rule[1].split(" ").indexOf(control.value) !== -1;
        block.hidden = !show;
        block.querySelectorAll("input, select, textarea").forEach(function (input) {
          input.disabled = !show;
        });
      });
      form.querySelectorAll("[data-help-for]").forEach(function (help) {
        var control = controls[help.getAttribute("data-help-for")];
        var text = control && document.getElementById("help-" + control.value);
        help.textContent = text ? text.textContent : "";
      });
    }

    blocks.forEach(function (block) {
      var name = block.getAttribute("data-when").split("=")[0];
      var control = form.querySelector("#" + name);
      if (control && !controls[name]) {
        controls[name] = control;
        control.addEventListener("change", update);
      }
    });
    update();
  });
})();
