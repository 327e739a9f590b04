/*! Parley embed: paste on any page.
 *  <script src="https://PARLEY/static/forms_builder/embed.js"
 *          data-form="https://PARLEY/w/WORKSPACE/f/FORM/" data-mode="bubble"></script>
 *  Modes: inline (data-target="#css-selector", else where the script stands), popup (opened by
 *  Parley.open() or any element with data-parley-open), bubble (a launcher in the corner).
 *  Hidden fields: data-hidden-NAME="value" on the script, or ?NAME=value on the page's URL.
 *  Events: Parley.on("started" | "step" | "completed", fn), also dispatched on window as
 *  "parley:started" and so on.
 *  Page views: each page load is tracked for lead scoring (the page, its referrer and a
 *  first-party visitor id kept in localStorage "parley:vid"), unless data-track="off".
 *  Parley.track() tracks one more (a single-page app's route change), Parley.track(url) a given
 *  address; it also works with data-track="off", e.g. once the visitor consented.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.form) return;
  var formUrl = new URL(script.dataset.form, window.location.href);
  var mode = script.dataset.mode || "inline";
  var accent = script.dataset.accent || "#4f46e5";
  var label = script.dataset.label || "Chat with us";
  var handlers = {};
  var frame = null;
  var overlay = null;

  function visitorId() {
    try {
      var id = window.localStorage.getItem("parley:vid");
      // What the tracking endpoint accepts; an id of an older embed.js is replaced.
      if (!/^[A-Za-z0-9-]{8,64}$/.test(id || "")) {
        id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
          : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
        window.localStorage.setItem("parley:vid", id);
      }
      return id;
    } catch (e) { return ""; }
  }

  // Page views go to the form's workspace, at the form's address with its "f/<form>/" turned
  // into "track/": /w/<workspace>/track/ on Parley's own host, /track/ on a workspace's host.
  // Whichever way the form was reached, the view is routed the same way, to the same workspace.
  var trackUrl = formUrl.origin + formUrl.pathname.replace(/f\/[^\/]+\/?$/, "") + "track/";
  var lastTracked = "";

  function track(url) {
    var vid = visitorId();
    if (!vid) return false;  // no storage, no id to tie the views to a lead later
    var page = new URL(url || window.location.href, window.location.href);
    if (page.href.length > 2000) page = new URL(page.origin + page.pathname);
    var referrer = lastTracked || document.referrer;
    lastTracked = page.href;
    // A string body is sent as text/plain: a "simple" request, so no CORS preflight. The
    // endpoint reads no cookie, and the beacon survives the page being left.
    var body = JSON.stringify({
      visitor_id: vid,
      url: page.href.slice(0, 2000),
      referrer: /^https?:/.test(referrer) ? referrer.slice(0, 2000) : ""
    });
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(trackUrl, body)) return true;
    } catch (e) { /* refused (too big, blocked): try fetch */ }
    try {
      fetch(trackUrl, { method: "POST", body: body, keepalive: true, mode: "no-cors", credentials: "omit" });
      return true;
    } catch (e) { return false; }
  }

  // The chat's frame may be refused storage on this site: it hands its token here, to be
  // handed back in the frame's fragment after a reload so that the conversation resumes.
  var resumeKey = "parley:resume:" + formUrl.origin + formUrl.pathname;

  function resumeSave(detail) {
    try {
      if (detail.token) window.localStorage.setItem(resumeKey, JSON.stringify(detail));
      else window.localStorage.removeItem(resumeKey);
    } catch (e) { /* no storage here either: no resume */ }
  }

  function resumeHash() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(resumeKey) || "null");
      if (saved && saved.key && saved.token) {
        return "#" + new URLSearchParams({ parley_key: saved.key, parley_token: saved.token });
      }
    } catch (e) { /* unreadable: start afresh */ }
    return "";
  }

  function frameUrl() {
    var url = new URL(formUrl.href);
    new URLSearchParams(window.location.search).forEach(function (value, key) {
      url.searchParams.set(key, value);
    });
    Object.keys(script.dataset).forEach(function (key) {
      if (key.indexOf("hidden") === 0 && key.length > 6) {
        var name = key.charAt(6).toLowerCase() + key.slice(7);
        url.searchParams.set(name, script.dataset[key]);
      }
    });
    url.searchParams.set("parley_landing", window.location.href);
    // Always set, even empty: the frame's own referrer would be this page, not the visitor's.
    url.searchParams.set("parley_referrer", document.referrer);
    var vid = visitorId();
    if (vid) url.searchParams.set("parley_vid", vid);
    url.hash = resumeHash();
    return url.href;
  }

  function makeFrame(height) {
    var iframe = document.createElement("iframe");
    iframe.src = frameUrl();
    iframe.title = script.dataset.title || "Chat";
    iframe.setAttribute("allow", "clipboard-write");
    iframe.style.cssText = "border:0;width:100%;display:block;background:transparent;height:" + height;
    return iframe;
  }

  function emit(type, detail) {
    (handlers[type] || []).forEach(function (fn) { try { fn(detail); } catch (e) { /* a host handler's error is its own */ } });
    window.dispatchEvent(new CustomEvent("parley:" + type, { detail: detail }));
  }

  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== formUrl.origin) return;
    var data = event.data;
    if (!data || data.parley !== true) return;
    if (data.type === "token") { resumeSave(data.detail || {}); return; }
    if (data.type === "height") {
      if (mode === "inline") frame.style.height = Math.max(320, Math.min(data.detail.height, 2000)) + "px";
      return;
    }
    emit(data.type, data.detail || {});
  });

  function style(element, css) { element.style.cssText = css; return element; }

  function openOverlay() {
    if (!overlay) {
      var corner = mode === "bubble";
      overlay = style(document.createElement("div"), corner
        ? "position:fixed;right:20px;bottom:90px;width:min(400px,calc(100vw - 40px));height:min(600px,calc(100vh - 120px));z-index:2147483646;border-radius:14px;overflow:hidden;box-shadow:0 12px 40px rgba(0,0,0,.2);background:#fff"
        : "position:fixed;inset:0;z-index:2147483646;background:rgba(15,20,30,.55);display:flex;align-items:center;justify-content:center");
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", corner ? "false" : "true");
      overlay.setAttribute("aria-label", label);
      var box = corner ? overlay : style(document.createElement("div"),
        "position:relative;width:min(480px,calc(100vw - 32px));height:min(680px,calc(100vh - 48px));background:#fff;border-radius:14px;overflow:hidden");
      var close = style(document.createElement("button"),
        "position:absolute;top:6px;right:8px;z-index:1;border:0;background:transparent;font:24px/1 sans-serif;cursor:pointer;color:#5b6476");
      close.type = "button";
      close.setAttribute("aria-label", "Close");
      close.textContent = "\u00d7";
      close.addEventListener("click", closeOverlay);
      frame = makeFrame("100%");
      box.appendChild(close);
      box.appendChild(frame);
      if (!corner) {
        overlay.appendChild(box);
        overlay.addEventListener("click", function (event) { if (event.target === overlay) closeOverlay(); });
      }
      document.body.appendChild(overlay);
    }
    overlay.style.display = mode === "bubble" ? "block" : "flex";
    emit("open", {});
  }

  function closeOverlay() {
    if (overlay) overlay.style.display = "none";
    emit("close", {});
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && overlay && overlay.style.display !== "none") closeOverlay();
  });

  function mountInline() {
    var target = script.dataset.target ? document.querySelector(script.dataset.target) : null;
    frame = makeFrame("560px");
    if (target) target.appendChild(frame);
    else script.parentNode.insertBefore(frame, script.nextSibling);
  }

  function chatIcon() {
    // Drawn, not an emoji: emoji fonts differ from one machine to the next, or are missing.
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  function mountBubble() {
    var launcher = style(document.createElement("button"),
      "position:fixed;right:20px;bottom:20px;z-index:2147483647;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25);color:#fff;display:flex;align-items:center;justify-content:center;background:" + accent);
    launcher.type = "button";
    launcher.setAttribute("aria-label", label);
    launcher.appendChild(chatIcon());
    launcher.addEventListener("click", function () {
      if (overlay && overlay.style.display !== "none") closeOverlay(); else openOverlay();
    });
    document.body.appendChild(launcher);
  }

  function start() {
    if (mode === "inline") mountInline();
    else if (mode === "bubble") mountBubble();
    document.addEventListener("click", function (event) {
      var opener = event.target.closest && event.target.closest("[data-parley-open]");
      if (opener) { event.preventDefault(); openOverlay(); }
    });
  }

  window.Parley = {
    open: openOverlay,
    close: closeOverlay,
    on: function (type, fn) { (handlers[type] = handlers[type] || []).push(fn); },
    track: track
  };
  // Once per page load and workspace, even if the snippet is pasted twice.
  var tracked = window.__parleyTracked = window.__parleyTracked || {};
  if (script.dataset.track !== "off" && !tracked[trackUrl]) {
    tracked[trackUrl] = true;
    track();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
