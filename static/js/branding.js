// Live preview of the Personnalisation page: colours and logo change the preview as they are
// chosen, before anything is saved. The text colour follows the same WCAG rule as the server
// (welyb_portal/tenancy/branding.py).
(function () {
  "use strict";

  var LIGHT = "#ffffff";
  var DARK = "#1b1f24";
  var SURFACE = "#ffffff";
  var AA_NORMAL_TEXT = 4.5;

  function luminance(hex) {
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function readableOn(background) {
    return contrast(background, LIGHT) >= contrast(background, DARK) ? LIGHT : DARK;
  }

  function init() {
    var form = document.getElementById("branding-form");
    var preview = document.getElementById("brand-preview");
    if (!form || !preview) return;
    var logo = document.getElementById("brand-preview-logo");
    var bindings = [
      ["primary_color", "--brand-primary", "--brand-on-primary"],
      ["accent_color", "--brand-accent", "--brand-on-accent"],
    ];

    // The contrast warning: each line names a colour and the text drawn with it (the text
    // colour chosen for it, or the colour itself on the white cards), shown under 4.5:1.
    var warning = document.getElementById("contrast-warning");
    function checkContrast() {
      if (!warning) return;
      var lines = warning.querySelectorAll("[data-contrast-field]");
      var unreadable = 0;
      Array.prototype.forEach.call(lines, function (line) {
        var color = form.elements[line.dataset.contrastField].value;
        if (!/^#[0-9a-fA-F]{6}$/.test(color)) return;
        var text = "contrastOnSurface" in line.dataset ? SURFACE : readableOn(color);
        var ratio = Math.floor(contrast(color, text) * 100) / 100;
        line.querySelector("[data-contrast-ratio]").textContent = ratio.toFixed(2).replace(".", ",");
        line.hidden = ratio >= AA_NORMAL_TEXT;
        if (!line.hidden) unreadable += 1;
      });
      warning.hidden = unreadable === 0;
    }

    bindings.forEach(function (binding) {
      var input = form.elements[binding[0]];
      if (!input) return;
      var apply = function () {
        if (!/^#[0-9a-fA-F]{6}$/.test(input.value)) return;
        preview.style.setProperty(binding[1], input.value);
        preview.style.setProperty(binding[2], readableOn(input.value));
        checkContrast();
      };
      input.addEventListener("input", apply);
      apply();
    });

    var file = form.elements["logo"];
    var remove = form.elements["remove_logo"];
    var objectUrl = null;
    function showLogo() {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = null;
      if (file && file.files && file.files[0]) {
        objectUrl = URL.createObjectURL(file.files[0]);
        logo.src = objectUrl;
        logo.hidden = false;
      } else if (remove && remove.checked) {
        logo.hidden = true;
      } else if (preview.dataset.initialLogo) {
        logo.src = preview.dataset.initialLogo;
        logo.hidden = false;
      } else {
        logo.hidden = true;
      }
    }
    if (file) file.addEventListener("change", showLogo);
    if (remove) remove.addEventListener("change", showLogo);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
