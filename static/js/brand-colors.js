/* The brand form's colour pickers (portal/brands/admin.py, ColorInput): each sits beside its
 * #rrggbb text field, which stays the value sent (empty: the upstream's colour). Picking
 * writes the text; typing a full colour moves the picker. */
(function () {
  "use strict";
  var COLOUR = /^#[0-9a-fA-F]{6}$/;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[type=color][data-color-for]").forEach(function (picker) {
      var text = document.getElementById(picker.getAttribute("data-color-for"));
      if (!text) return;
      picker.hidden = false;
      picker.addEventListener("input", function () {
        text.value = picker.value;
      });
      text.addEventListener("input", function () {
        var value = text.value.trim();
        if (COLOUR.test(value)) picker.value = value.toLowerCase();
      });
    });
  });
})();
