// Small behaviours, bound by data attributes so pages need no inline script (CSP-friendly).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.requestSubmit();
  }
});

document.addEventListener("click", function (event) {
  var opener = event.target.closest && event.target.closest("[data-open-menu]");
  if (opener) {
    var menu = document.querySelector(".who details");
    if (menu) {
      event.preventDefault();
      menu.open = true;
      window.scrollTo(0, 0);
    }
    return;
  }
  var asker = event.target.closest && event.target.closest("[data-confirm]");
  if (asker && !window.confirm(asker.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// Cache & cellular -> Clear cache: measure and clear what this browser keeps for bizlink.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form || form.id !== "clear-cache") return;
  var bytes = 0;
  [window.localStorage, window.sessionStorage].forEach(function (store) {
    try {
      for (var i = 0; i < store.length; i++) {
        var key = store.key(i);
        bytes += (key.length + (store.getItem(key) || "").length) * 2;
      }
      store.clear();
    } catch (e) { /* storage disabled: nothing to clear */ }
  });
  var field = form.querySelector("[name=client_bytes]");
  if (field) field.value = bytes;
});
