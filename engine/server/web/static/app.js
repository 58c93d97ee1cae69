// procflow web app: the only script. Forms work without it; it adds and removes rows of array fields.
"use strict";
document.addEventListener("click", function (event) {
  var target = event.target;
  if (!(target instanceof HTMLElement)) { return; }
  if (target.classList.contains("add-row")) {
    var set = target.closest("fieldset.array");
    var next = Number(set.dataset.next || "0");
    var row = document.createElement("div");
    row.className = "row";
    row.innerHTML = set.querySelector(":scope > template").innerHTML.split("__i__").join(String(next));
    set.querySelector(":scope > .rows").appendChild(row);
    set.dataset.next = String(next + 1);
    var first = row.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  } else if (target.classList.contains("remove-row")) {
    target.closest(".row").remove();
  }
});
