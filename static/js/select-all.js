// "Select all" checkboxes: <input type="checkbox" data-select-all="NAME"> ticks every
// checkbox named NAME in the same form. Without script, each row is ticked by hand.
document.querySelectorAll("input[data-select-all]").forEach(function (master) {
  var boxes = function () {
    return master.form.querySelectorAll('input[type=checkbox][name="' + master.dataset.selectAll + '"]');
  };
  master.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = master.checked; });
  });
  master.form.addEventListener("change", function (event) {
    if (event.target === master) { return; }
    var all = boxes(), ticked = 0;
    all.forEach(function (box) { if (box.checked) { ticked += 1; } });
    master.checked = all.length > 0 && ticked === all.length;
    master.indeterminate = ticked > 0 && ticked < all.length;
  });
});
