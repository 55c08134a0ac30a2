// MyRopo agent console (admin): the queue and the agent's chats side by side over one socket.
// Messages are shown with textContent only; the socket resumes from the last id seen.
(function () {
  "use strict";
  var root = document.getElementById("chat-console");
  if (!root) return;
  var $ = function (sel, el) { return (el || root).querySelector(sel); };
  var t = function (name) { return root.dataset["t" + name.charAt(0).toUpperCase() + name.slice(1)] || ""; };
  var statusLine = $("[data-console-status]"), queueBody = $("[data-queue]"), chatsBox = $("[data-chats]");
  var template = document.getElementById("chat-pane");
  var socket = null, retry = 0, panes = {}, seen = {}, pingTimer = null;

  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(data)); return true; }
    return false;
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    // Every open chat's whole history on each connect (a chat may have come to this agent while
    // the socket was away); what was shown already is skipped by its id.
    socket = new WebSocket(scheme + location.host + root.dataset.socket);
    socket.addEventListener("open", function () {
      retry = 0;
      statusLine.textContent = t("connected");
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({ type: "ping" }); }, 30000);
    });
    socket.addEventListener("message", function (event) { handle(JSON.parse(event.data)); });
    socket.addEventListener("close", function (event) {
      clearInterval(pingTimer);
      if (event.code === 4403 || event.code === 4401) { statusLine.textContent = t("refused"); return; }
      retry += 1;
      statusLine.textContent = t("reconnecting");
      setTimeout(connect, Math.min(1000 * Math.pow(2, retry - 1), 15000));
    });
  }

  function renderQueue(rows) {
    queueBody.textContent = "";
    if (!rows.length) {
      var empty = document.createElement("tr"), cell = document.createElement("td");
      cell.colSpan = 5; cell.textContent = t("empty"); empty.appendChild(cell); queueBody.appendChild(empty);
      return;
    }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      [row.language, row.customer, new Date(row.since).toLocaleTimeString(), row.invoice].forEach(function (value) {
        var td = document.createElement("td"); td.textContent = value; tr.appendChild(td);
      });
      var td = document.createElement("td"), button = document.createElement("button");
      button.type = "button"; button.className = "button"; button.textContent = t("take");
      button.addEventListener("click", function () { send({ type: "accept", chat: row.chat }); });
      td.appendChild(button); tr.appendChild(td); queueBody.appendChild(tr);
    });
  }

  function pane(chatId) {
    if (panes[chatId]) return panes[chatId];
    var node = template.content.firstElementChild.cloneNode(true);
    node.dataset.chat = chatId;
    var p = { node: node, log: $("[data-log]", node), typing: $("[data-typing]", node), customerRead: 0, typingTimer: null, lastTyping: 0, language: "" };
    $("[data-title]", node).textContent = "#" + chatId;
    $("[data-compose]", node).addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("[data-input]", node), text = input.value.trim();
      if (text && send({ type: "message", chat: chatId, body: text })) input.value = "";
    });
    $("[data-input]", node).addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("[data-compose]", node).requestSubmit(); }
    });
    $("[data-input]", node).addEventListener("input", function () {
      var now = Date.now();
      if (now - p.lastTyping > 3000) { p.lastTyping = now; send({ type: "typing", chat: chatId }); }
    });
    $("[data-canned]", node).addEventListener("change", function (event) {
      var option = event.target.selectedOptions[0];
      if (option && option.dataset.body) {
        var input = $("[data-input]", node);
        input.value = option.dataset.body + (input.value ? "\n" + input.value : "");
        input.focus();
      }
      event.target.value = "";
    });
    $("[data-classification]", node).addEventListener("change", function (event) {
      send({ type: "classify", chat: chatId, classification: event.target.value });
    });
    $("[data-end]", node).addEventListener("click", function () {
      send({ type: "end", chat: chatId, classification: $("[data-classification]", node).value });
    });
    $("[data-transfer]", node).addEventListener("click", function () {
      send({ type: "transfer", chat: chatId, to: $("[data-transfer-to]", node).value, note: $("[data-transfer-note]", node).value });
    });
    node.addEventListener("click", function (event) {
      var button = event.target.closest("[data-link]");
      if (button) send({ type: "link", chat: chatId, invoice: button.dataset.invoice, link: button.dataset.link });
    });
    chatsBox.appendChild(node);
    panes[chatId] = p;
    fetch(root.dataset.customerUrl.replace("/0/", "/" + chatId + "/"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        // Our own server-rendered fragment (Django-escaped); no script runs from it.
        $("[data-customer]", node).innerHTML = html;
        var name = $("h4", $("[data-customer]", node));
        if (name) $("[data-title]", node).textContent = "#" + chatId + " " + name.textContent;
      });
    return p;
  }

  function addMessage(m) {
    var key = m.chat + ":" + m.id;
    if (seen[key]) return;
    seen[key] = true;
    var p = pane(m.chat), item = document.createElement("li"), meta = document.createElement("span");
    item.className = "chat-" + m.kind;
    item.dataset.id = m.id;
    meta.className = "chat-meta";
    meta.textContent = m.author + " " + new Date(m.at).toLocaleTimeString();
    item.appendChild(meta);
    var body = document.createElement("span");
    body.textContent = m.body + (m.link ? " (" + m.link.url + ")" : "");
    item.appendChild(body);
    // By id, not by arrival: news of an older message can come after a newer one's.
    var next = null, items = p.log.children;
    for (var i = items.length - 1; i >= 0 && Number(items[i].dataset.id) > m.id; i--) next = items[i];
    p.log.insertBefore(item, next);
    p.log.scrollTop = p.log.scrollHeight;
    if (m.kind === "customer") {
      p.typing.textContent = "";
      if (!document.hidden) send({ type: "read", chat: m.chat, up_to: m.id });
    }
  }

  function showRead(p) {
    p.node.querySelectorAll(".chat-read").forEach(function (el) { el.remove(); });
    var mine = p.log.querySelectorAll("li.chat-agent");
    for (var i = mine.length - 1; i >= 0; i--) {
      if (Number(mine[i].dataset.id) <= p.customerRead) {
        var read = document.createElement("span");
        read.className = "chat-meta chat-read"; read.textContent = t("read");
        mine[i].appendChild(read);
        break;
      }
    }
  }

  // A live message names its chat's previous one (prev_any): if this pane never showed that
  // one, its news was lost on the way; the server is asked for that chat's messages from it.
  var asked = {};
  function catchUp(m) {
    var key = m.chat + ":" + m.prev_any;
    if (!m.prev_any || seen[key] || asked[key] || !panes[m.chat]) return;
    asked[key] = true;
    send({ type: "resume", chat: m.chat, after: m.prev_any - 1 });
  }

  function handle(event) {
    if (event.type === "queue") renderQueue(event.chats);
    else if (event.type === "presence") statusLine.textContent = t("saved");
    else if (event.type === "message") { catchUp(event); addMessage(event); }
    else if (event.type === "assigned") pane(event.chat);
    else if (event.type === "released") {
      var gone = panes[event.chat];
      if (gone) { gone.node.remove(); delete panes[event.chat]; }
    } else if (event.type === "typing" && panes[event.chat]) {
      var p = panes[event.chat];
      p.typing.textContent = t("typing");
      clearTimeout(p.typingTimer);
      p.typingTimer = setTimeout(function () { p.typing.textContent = ""; }, 4000);
    } else if (event.type === "state" && panes[event.chat]) {
      var q = panes[event.chat];
      q.customerRead = event.customer_read || 0;
      showRead(q);
      if (event.state === "ended") {
        q.typing.textContent = t("ended");
        setTimeout(function () { if (panes[event.chat]) { panes[event.chat].node.remove(); delete panes[event.chat]; } }, 5000);
      }
    } else if (event.type === "error") {
      statusLine.textContent = event.message;
    }
  }

  $("[data-take-next]").addEventListener("click", function () { send({ type: "take_next" }); });
  $("[data-presence]").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    send({
      type: "presence",
      available: form.available.checked,
      languages: Array.prototype.map.call(form.querySelectorAll("input[name=languages]:checked"), function (el) { return el.value; }),
      max_chats: Number(form.max_chats.value),
      auto_assign: form.auto_assign.checked
    });
  });
  connect();
})();
