// htmx does not swap 4xx responses in. A region marked data-swap-errors="400 403 409"
// takes those statuses in like a success: the partial carries the service's refusal
// message. (This replaces an hx-on attribute: the Content-Security-Policy allows no
// inline script, and htmx runs with allowEval off.)
document.addEventListener("htmx:beforeSwap", function (event) {
  "use strict";
  var target = event.target;
  var region = target instanceof Element ? target.closest("[data-swap-errors]") : null;
  if (!region) return;
  var statuses = region.getAttribute("data-swap-errors").split(/\s+/);
  if (statuses.indexOf(String(event.detail.xhr.status)) !== -1) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
