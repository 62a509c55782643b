// "Select all" checkboxes: <input type="checkbox" data-select-all="NAME"> ticks every
// checkbox named NAME of the same form, including those placed elsewhere on the page with
// form="ID" (e.g. in table rows that hold forms of their own). Without script, each row is
// ticked by hand.
document.querySelectorAll("input[data-select-all]").forEach(function (master) {
  var form = master.form;
  var boxes = function () {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.type === "checkbox" && el.name === master.dataset.selectAll;
    });
  };
  master.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = master.checked; });
  });
  document.addEventListener("change", function (event) {
    if (event.target === master || event.target.form !== form) { return; }
    var all = boxes(), ticked = 0;
    all.forEach(function (box) { if (box.checked) { ticked += 1; } });
    master.checked = all.length > 0 && ticked === all.length;
    master.indeterminate = ticked > 0 && ticked < all.length;
  });
});
