// MyRopo chat widget: our own small script, no framework. Every text comes from the page
// (data-t-* attributes, already translated); every message is shown with textContent, so
// nothing a person types is ever markup. The socket resumes from the last message id seen.
(function () {
  "use strict";
  var root = document.getElementById("chat-widget");
  if (!root || !window.WebSocket || !window.fetch) return;
  var $ = function (sel) { return root.querySelector(sel); };
  var toggle = $(".chat-toggle"), panel = $("#chat-panel"), statusLine = $("[data-chat-status]");
  var parts = {
    offline: $("[data-chat-offline]"), start: $("[data-chat-start]"),
    live: $("[data-chat-live]"), after: $("[data-chat-after]")
  };
  var log = $("[data-chat-log]"), input = $("[data-chat-input]"), typingLine = $("[data-chat-typing]");
  var t = function (name) { return root.dataset["t" + name.charAt(0).toUpperCase() + name.slice(1)] || ""; };
  var chat = null, socket = null, lastId = 0, seen = {}, retry = 0, pingTimer = null, typingTimer = null;
  var lastTypingSent = 0, agentRead = 0, invoice = null, loaded = false;

  function show(name) {
    Object.keys(parts).forEach(function (key) { parts[key].hidden = key !== name; });
  }
  function say(text) { statusLine.textContent = text || ""; }

  function post(url, data) {
    var body = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (json) { json._ok = response.ok; return json; });
    });
  }

  function invoiceOnPage() {
    var match = location.pathname.match(/^\/invoices\/(\d+)\/?$/);
    return match ? match[1] : "";
  }

  // Whatever the customer wrote and the chat could not deliver (typed, or sent while the socket
  // was down) goes into the message form, so nothing typed is lost when chat becomes unavailable.
  function offline(text) {
    say(text);
    var draft = $("[data-chat-offline-body]");
    var unsent = pending.concat(input && input.value.trim() ? [input.value.trim()] : []);
    pending = [];
    if (unsent.length && !draft.value) draft.value = unsent.join("\n\n");
    $("[data-chat-invoice-field]").value = invoice ? invoice.id : "";
    show("offline");
  }

  function loadStatus() {
    var query = invoiceOnPage() ? "?invoice=" + invoiceOnPage() : "";
    return fetch(root.dataset.statusUrl + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error("status"); return response.json(); })
      .then(function (data) {
        invoice = data.invoice;
        if (!data.available) { offline(t("unavailable")); return; }
        if (data.chat) { join(data.chat); return; }
        if (!data.open) { offline(data.text); return; }
        var about = $("[data-chat-about-invoice]");
        if (invoice) {
          about.hidden = false;
          about.querySelector("span").textContent = invoice.number;
          about.querySelector("input").value = invoice.id;
          about.querySelector("input").checked = true;
        }
        say("");
        show("start");
      })
      .catch(function () { offline(t("unavailable")); });
  }

  function open() {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    if (!loaded) { loaded = true; loadStatus(); }
    var focusable = panel.querySelector("[data-chat-live]:not([hidden]) textarea, [data-chat-begin], textarea, button");
    if (focusable) focusable.focus();
    markRead();
  }
  function close() {
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  }
  toggle.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  $("[data-chat-close]").addEventListener("click", close);
  root.addEventListener("keydown", function (event) { if (event.key === "Escape" && !panel.hidden) close(); });

  $("[data-chat-begin]").addEventListener("click", function () {
    var chosen = root.querySelector("input[name=chat-about]:checked");
    post(root.dataset.startUrl, chosen && chosen.value ? { invoice: chosen.value } : {}).then(function (data) {
      if (!data._ok) { offline(data.error); return; }
      join(data.chat);
    }).catch(function () { offline(t("unavailable")); });
  });

  function join(info) {
    chat = info;
    show("live");
    say(t("connecting"));
    connect();
    if (input) input.focus();
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + chat.socket + "?after=" + lastId);
    socket.addEventListener("open", function () {
      retry = 0;
      flush();
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({ type: "ping" }); }, 60000);
    });
    socket.addEventListener("message", function (event) { handle(JSON.parse(event.data)); });
    socket.addEventListener("close", function (event) {
      clearInterval(pingTimer);
      if (!chat || chat.state === "ended") return;
      if (event.code >= 4400 && event.code < 4500) { offline(t("unavailable")); return; }
      retry += 1;
      if (retry > 6) { offline(t("unavailable")); return; }
      say(t("reconnecting"));
      // Redis away (the server says so at once): the message centre now, not a minute of retries.
      fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; })
        .then(function (data) {
          if (data && data.available === false) { offline(t("unavailable")); return; }
          setTimeout(connect, Math.min(1000 * Math.pow(2, retry - 1), 15000));
        });
    });
  }

  var pending = [];
  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(data)); return true; }
    return false;
  }
  // A message typed while the socket (re)connects goes out as soon as it is open.
  function sendMessage(text) {
    if (!send({ type: "message", body: text })) pending.push(text);
  }
  function flush() {
    while (pending.length && send({ type: "message", body: pending[0] })) pending.shift();
  }

  // By id, not by arrival: news of an older message can come after a newer one's (another
  // server process saved it), and a resumed backlog repeats the last minute before lastId.
  function insertInOrder(list, item, id) {
    var next = null, items = list.children;
    for (var i = items.length - 1; i >= 0 && Number(items[i].dataset.id) > id; i--) next = items[i];
    list.insertBefore(item, next);
  }

  function addMessage(m) {
    if (seen[m.id]) return;  // a resumed backlog may repeat what the live feed already showed
    seen[m.id] = true;
    lastId = Math.max(lastId, m.id);
    var item = document.createElement("li");
    item.className = "chat-" + m.kind;
    item.dataset.id = m.id;
    var meta = document.createElement("span");
    meta.className = "chat-meta";
    var at = new Date(m.at);
    meta.textContent = (m.kind === "customer" ? t("you") : m.author) + " " +
      at.toLocaleTimeString(root.dataset.language, { hour: "2-digit", minute: "2-digit" });
    item.appendChild(meta);
    var body = document.createElement("span");
    body.textContent = m.body;
    item.appendChild(body);
    if (m.link && /^\/[^/\\]/.test(m.link.url)) {
      var link = document.createElement("a");
      link.href = m.link.url;
      link.textContent = m.body;
      body.textContent = "";
      body.appendChild(link);
    }
    insertInOrder(log, item, m.id);
    log.scrollTop = log.scrollHeight;
    if (m.kind !== "customer") typingLine.textContent = "";
    markRead();
  }

  function markRead() {
    if (!chat || panel.hidden || document.hidden || !lastId) return;
    send({ type: "read", up_to: lastId });
  }
  document.addEventListener("visibilitychange", markRead);

  function showReceipt() {
    var mine = log.querySelectorAll("li.chat-customer");
    mine.forEach(function (item) {
      var old = item.querySelector(".chat-read");
      if (old) old.remove();
    });
    for (var i = mine.length - 1; i >= 0; i--) {
      if (Number(mine[i].dataset.id) <= agentRead) {
        var read = document.createElement("span");
        read.className = "chat-meta chat-read";
        read.textContent = t("read");
        mine[i].appendChild(read);
        break;
      }
    }
  }

  // A live message names the chat's previous one (prev): if this widget never showed that
  // one, its news was lost on the way, and the server is asked for what came after the
  // last shown before it (the overlap and the dedupe by id cover the rest).
  var asked = {};
  function catchUp(m) {
    if (!m.prev || seen[m.prev] || asked[m.prev] || !lastId) return;
    asked[m.prev] = true;
    send({ type: "resume", after: Math.min(lastId, m.prev - 1) });
  }

  function handle(event) {
    if (event.type === "message") { catchUp(event); addMessage(event); }
    else if (event.type === "typing") {
      typingLine.textContent = t("typing");
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingLine.textContent = ""; }, 4000);
    } else if (event.type === "queue") {
      say(t("queue").replace("%(position)s", event.position) + " " + event.wait_text);
    } else if (event.type === "state") {
      chat.state = event.state;
      agentRead = event.agent_read || 0;
      showReceipt();
      if (event.state === "active") say(event.agent);
      if (event.state === "queued" && event.queue) handle(event.queue);
      if (event.state === "ended") ended(event);
    } else if (event.type === "error") {
      say(event.message);
    }
  }

  function ended(event) {
    say(t("ended"));
    if (socket) socket.close();
    parts.live.hidden = false;
    $("[data-chat-compose]").hidden = true;
    $("[data-chat-end]").hidden = true;
    parts.after.hidden = false;
    $("[data-chat-feedback]").hidden = !event.feedback;
    $("[data-chat-transcript]").hidden = !event.has_transcript;
  }

  $("[data-chat-compose]").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    sendMessage(text);
    input.value = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("[data-chat-compose]").requestSubmit();
    }
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTypingSent > 3000) { lastTypingSent = now; send({ type: "typing" }); }
  });
  $("[data-chat-end]").addEventListener("click", function () {
    if (!send({ type: "end" })) post(chat.end).then(function (data) { if (data.chat) ended({ feedback: true, has_transcript: true }); });
  });
  $("[data-chat-feedback]").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    post(chat.feedback, new FormData(form)).then(function (data) {
      say(data.error || data.message);
      if (data._ok) form.hidden = true;
    });
  });
  $("[data-chat-transcript]").addEventListener("click", function (event) {
    var button = event.target;
    post(chat.transcript).then(function (data) {
      say(data.error || data.message);
      if (data._ok) button.hidden = true;
    });
  });
  $("[data-chat-new]").addEventListener("click", function () {
    chat = null; lastId = 0; seen = {}; asked = {};
    log.textContent = "";
    $("[data-chat-compose]").hidden = false;
    $("[data-chat-end]").hidden = false;
    loadStatus();
  });

  // A chat already running (another tab, a reload) opens again by itself.
  fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) { if (data && data.chat) { loaded = true; invoice = data.invoice; panel.hidden = false; toggle.setAttribute("aria-expanded", "true"); join(data.chat); } })
    .catch(function () {});
})();
