/* bizlink pixel: include with data-pixel-code="C..." (and optionally data-endpoint).
   Sends PageView on load, and an event for every click on an element with data-track-event
   (data-value, data-currency, data-content-id). A ttclid in the page URL (an ad click) is kept
   for the visit and sent with every event. No personal data is collected. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var code = script.getAttribute("data-pixel-code");
  var endpoint = script.getAttribute("data-endpoint") ||
    new URL("/pixel/events/", script.src).toString();
  var params = new URLSearchParams(window.location.search);
  var ttclid = params.get("ttclid") || "";
  try {
    if (ttclid) { window.sessionStorage.setItem("bizlink_ttclid", ttclid); }
    else { ttclid = window.sessionStorage.getItem("bizlink_ttclid") || ""; }
  } catch (e) { /* storage disabled: keep the URL's value only */ }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  function log(text) {
    var el = document.querySelector("[data-pixel-log]");
    if (el) { el.textContent = text; }
  }

  function track(name, properties) {
    var event = {
      event: name,
      event_id: newId(),
      event_time: Math.floor(Date.now() / 1000),
      page: { url: window.location.href.split("#")[0] },
      properties: properties || {}
    };
    if (ttclid) { event.user = { ttclid: ttclid }; }
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ pixel_code: code, data: [event] }),
      keepalive: true
    }).then(function (response) { return response.json(); }).then(function (body) {
      var ok = body.code === 0 && body.data && body.data.accepted === 1;
      log(ok ? name + " sent (" + event.event_id + ")" : name + " refused: " + (body.message ||
        JSON.stringify(body.data && body.data.failed)));
      return body;
    }).catch(function () { log(name + " could not be sent."); });
  }

  window.bizlinkPixel = { track: track };
  document.addEventListener("click", function (e) {
    var target = e.target instanceof Element ? e.target.closest("[data-track-event]") : null;
    if (!target) { return; }
    var props = {};
    var value = target.getAttribute("data-value");
    if (value) { props.value = Number(value); props.currency = target.getAttribute("data-currency") || "USD"; }
    var content = target.getAttribute("data-content-id");
    if (content) { props.contents = [{ content_id: content, quantity: 1 }]; }
    track(target.getAttribute("data-track-event"), props);
  });
  track("PageView");
}());
