// The visitor's side of a Parley conversation: one question at a time, answers sent to the
// turn endpoint, the conversation resumed after a reload. Every text goes in with textContent,
// never as HTML, so nothing a visitor or an admin writes can run as code.
(function () {
  "use strict";
  var root = document.getElementById("parley-chat");
  if (!root) return;
  var list = document.getElementById("parley-messages");
  var typing = document.getElementById("parley-typing");
  var errorBox = document.getElementById("parley-error");
  var replies = document.getElementById("parley-replies");
  var composer = document.getElementById("parley-composer");
  var input = document.getElementById("parley-input");
  var send = document.getElementById("parley-send");
  var skipWrap = document.getElementById("parley-skip-wrap");
  var skipButton = document.getElementById("parley-skip");
  var storageKey = root.dataset.storageKey;
  var startUrl = root.dataset.startUrl;
  var french = root.dataset.language === "fr";
  var params = new URLSearchParams(window.location.search);
  // In another site's page the browser may refuse this frame any storage (third-party storage
  // blocked): embed.js then keeps the token in the host page's storage and hands it back in
  // the fragment, which never reaches a server nor a Referer header.
  var handed = new URLSearchParams(window.location.hash.slice(1));
  var handedToken = handed.get("parley_key") === storageKey ? handed.get("parley_token") : null;
  var token = null;
  var step = null;
  var busy = false;

  var INPUT_TYPES = { email: "email", phone: "tel", url: "url", number: "text", date: "date" };
  var WORDS = french
    ? { yes: "Oui", no: "Non", send: "Envoyer", failed: "La connexion a échoué. Réessayez.", placeholder: "Votre réponse…" }
    : { yes: "Yes", no: "No", send: "Send", failed: "The connection failed. Please try again.", placeholder: "Your answer…" };

  function tell(type, detail) {
    // The embedding page (embed.js) listens for these to resize the frame and emit events.
    if (window.parent !== window) {
      window.parent.postMessage({ parley: true, type: type, detail: detail || {} }, "*");
    }
  }

  function reportHeight() {
    tell("height", { height: document.documentElement.scrollHeight });
  }

  function store(value) {
    try {
      if (value) window.localStorage.setItem(storageKey, value);
      else window.localStorage.removeItem(storageKey);
    } catch (e) { /* blocked in a third-party frame: the embedding page keeps it (below) */ }
    // Only a token this frame just got or dropped goes to the parent, never one read from
    // storage: a page framing the chat must not learn another site's conversation.
    tell("token", { key: storageKey, token: value || "" });
  }

  function stored() {
    try { return window.localStorage.getItem(storageKey); } catch (e) { return null; }
  }

  function visitorId() {
    var given = params.get("parley_vid");
    if (given) return given;
    try {
      var id = window.localStorage.getItem("parley:visitor");
      if (!id) {
        id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
        window.localStorage.setItem("parley:visitor", id);
      }
      return id;
    } catch (e) { return ""; }
  }

  function addMessage(message) {
    var item = document.createElement("li");
    item.className = message.role;
    item.textContent = message.text;
    list.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function showError(text) {
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
  }

  function drawStep(next) {
    step = next;
    replies.textContent = "";
    var done = !step;
    composer.hidden = done;
    skipWrap.hidden = done || step.required;
    if (done) { reportHeight(); return; }
    input.type = INPUT_TYPES[step.kind] || "text";
    input.inputMode = step.kind === "number" ? "decimal" : "";
    input.placeholder = WORDS.placeholder;
    input.value = "";
    if (step.kind === "yes_no") {
      [WORDS.yes, WORDS.no].forEach(function (label) { replies.appendChild(quickReply(label)); });
    } else if (step.kind === "multiple_choice") {
      step.options.forEach(function (option) {
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.value = option;
        label.appendChild(box);
        label.appendChild(document.createTextNode(option));
        replies.appendChild(label);
      });
    } else {
      step.options.forEach(function (option) { replies.appendChild(quickReply(option)); });
    }
    input.focus({ preventScroll: true });
    reportHeight();
  }

  function quickReply(label) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", function () { answer(label); });
    return button;
  }

  function request(url, body) {
    var options = { headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function turnsUrl() { return startUrl + encodeURIComponent(token) + "/turns/"; }

  function setBusy(value) {
    busy = value;
    send.disabled = value;
    typing.hidden = !value;
    reportHeight();
  }

  function answer(text) {
    if (busy || !token) return;
    showError("");
    addMessage({ role: "visitor", text: text || "—" });
    setBusy(true);
    request(turnsUrl(), { text: text }).then(function (result) {
      setBusy(false);
      var data = result.data;
      if (data.error && result.status === 422) {
        showError(data.error.message);
        input.value = text;
        input.focus();
        return;
      }
      if (result.status >= 400) { showError((data.error && data.error.message) || WORDS.failed); return; }
      data.messages.forEach(addMessage);
      tell("step", { step: data.step && data.step.key });
      drawStep(data.step);
      if (data.status === "completed") { store(null); tell("completed", {}); }
    }).catch(function () { setBusy(false); showError(WORDS.failed); input.value = text; });
  }

  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    if (step && step.kind === "multiple_choice") {
      var chosen = Array.prototype.map.call(replies.querySelectorAll("input:checked"), function (box) { return box.value; });
      var typed = input.value.trim();
      if (typed) chosen.push(typed);
      answer(chosen.join(", "));
      return;
    }
    answer(input.value.trim());
  });
  skipButton.addEventListener("click", function () { answer(""); });

  function start() {
    var hidden = {};
    (root.dataset.hiddenFields || "").split(",").filter(Boolean).forEach(function (name) {
      if (params.has(name)) hidden[name] = params.get(name);
    });
    var utm = {};
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (name) {
      if (params.has(name)) utm[name] = params.get(name);
    });
    setBusy(true);
    request(startUrl, {
      visitor_id: visitorId(),
      hidden_fields: hidden,
      utm: utm,
      referrer: params.has("parley_referrer") ? params.get("parley_referrer") : document.referrer,
      landing_page: params.get("parley_landing") || window.location.href,
      website: composer.elements.website.value
    }).then(function (result) {
      setBusy(false);
      if (result.status !== 201) { showError((result.data.error && result.data.error.message) || WORDS.failed); return; }
      token = result.data.token;
      store(token);
      result.data.messages.forEach(addMessage);
      tell("started", {});
      drawStep(result.data.step);
    }).catch(function () { setBusy(false); showError(WORDS.failed); });
  }

  function resume(saved) {
    request(startUrl + encodeURIComponent(saved) + "/").then(function (result) {
      if (result.status !== 200 || !result.data.resumable) { store(null); start(); return; }
      token = saved;
      result.data.messages.forEach(addMessage);
      drawStep(result.data.step);
    }).catch(start);
  }

  var saved = stored() || handedToken;
  if (saved) resume(saved); else start();
  window.addEventListener("resize", reportHeight);
})();
