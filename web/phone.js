/*
 * Dev phone (local stack only). Polls GET /dev/outbox?phone=… every second and shows the texts like a
 * chat, newest at the bottom; replies go to POST /dev/inbound (the real inbound path); the side panel
 * shows GET /v1/admin/contacts/{phone}. Replies live in this tab's sessionStorage — the outbox only
 * holds what the stack sent.
 */
(() => {
  "use strict";

  const POLL_MS = 1000;
  const CONTACT_MS = 3000;
  const NUMBERS_MS = 4000;
  const DEFAULT_TO = "4301";
  const E164 = /^\+[1-9]\d{5,14}$/;

  const $ = (id) => document.getElementById(id);
  const seen = $("seen");
  const numberInput = $("number");
  const chat = $("chat");
  const toInput = $("to");
  const replyInput = $("reply");
  const sendStatus = $("send-status");

  let phone = null;
  let messages = [];
  let replies = [];
  let toEdited = false;
  let rendered = "";
  let lastContact = 0;
  let lastNumbers = 0;
  let generation = 0; // bumps when the number changes, so late answers for the old number are dropped

  // ---- helpers ----------------------------------------------------------------------------------

  async function getJson(url) {
    const response = await fetch(url, { headers: { accept: "application/json" }, cache: "no-store" });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      /* not JSON */
    }
    return { status: response.status, ok: response.ok, data };
  }

  function node(tag, attrs, ...children) {
    const el = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value == null || value === false) return;
      if (key === "class") el.className = value;
      else el.setAttribute(key, value === true ? "" : value);
    });
    children.flat().forEach((child) => {
      if (child == null || child === false) return;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return el;
  }

  function when(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const today = new Date().toDateString() === date.toDateString();
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    return today ? time : `${date.toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" })} ${time}`;
  }

  function normalise(raw) {
    const compact = String(raw || "").replace(/[\s().-]/g, "");
    return compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
  }

  function storageKey() {
    return `devphone:replies:${phone}`;
  }

  function saveReplies() {
    try {
      sessionStorage.setItem(storageKey(), JSON.stringify(replies));
    } catch (_) {
      /* private mode: keep them in memory */
    }
  }

  function loadReplies() {
    try {
      return JSON.parse(sessionStorage.getItem(storageKey()) || "[]");
    } catch (_) {
      return [];
    }
  }

  // ---- picking a number -------------------------------------------------------------------------

  async function refreshNumbers() {
    lastNumbers = Date.now();
    let result;
    try {
      result = await getJson("/dev/outbox");
    } catch (_) {
      return;
    }
    if (!result.ok || !result.data) return;
    const counts = new Map();
    result.data.messages.forEach((m) => counts.set(m.to, (counts.get(m.to) || 0) + 1));
    const wanted = [...counts.keys()];
    if (phone && !counts.has(phone)) wanted.push(phone);
    const signature = wanted.map((n) => `${n}:${counts.get(n) || 0}`).join(",") + `|${phone}`;
    if (seen.dataset.signature === signature) return;
    seen.dataset.signature = signature;
    const options = [node("option", { value: "" }, wanted.length ? `Choose a number (${counts.size})` : "None yet")];
    wanted.forEach((n) => {
      const count = counts.get(n) || 0;
      options.push(node("option", { value: n }, `${n} — ${count} ${count === 1 ? "text" : "texts"}`));
    });
    seen.replaceChildren(...options);
    seen.value = phone && wanted.includes(phone) ? phone : "";
  }

  function showNumberError(message) {
    const box = $("number-error");
    box.textContent = message || "";
    box.hidden = !message;
    if (message) {
      numberInput.setAttribute("aria-invalid", "true");
      numberInput.setAttribute("aria-describedby", "number-hint number-error");
    } else {
      numberInput.removeAttribute("aria-invalid");
      numberInput.setAttribute("aria-describedby", "number-hint");
    }
  }

  function open(raw, focusReply) {
    const number = normalise(raw);
    if (!E164.test(number)) {
      showNumberError("Use the international format: + and the country code, e.g. +48501234567.");
      numberInput.focus();
      return;
    }
    showNumberError("");
    generation += 1;
    phone = number;
    messages = [];
    replies = loadReplies();
    rendered = "";
    toEdited = false;
    toInput.value = DEFAULT_TO;
    numberInput.value = number;
    $("phone-title").textContent = number;
    $("phone-sub").textContent = "Loading…";
    $("intro").hidden = true;
    $("workspace").hidden = false;
    sendStatus.textContent = "";
    renderChat();
    renderContact(null);
    const url = new URL(location.href);
    url.searchParams.set("phone", number);
    history.replaceState(null, "", url);
    document.title = `${number} · Dev phone`;
    seen.dataset.signature = "";
    refreshNumbers();
    poll(true);
    if (focusReply) replyInput.focus();
  }

  // ---- the chat ---------------------------------------------------------------------------------

  function renderChat() {
    const signature = JSON.stringify([phone, messages.length, replies.map((r) => [r.state, r.error])]);
    if (signature === rendered) return;
    const previouslyShown = chat.querySelectorAll(".msg").length;
    const nearBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
    rendered = signature;
    const items = [];
    const replyAt = (i) => replies.filter((r) => Math.min(r.after, messages.length) === i).map(replyItem);
    for (let i = 0; i <= messages.length; i += 1) {
      items.push(...replyAt(i));
      if (i < messages.length) items.push(messageItem(messages[i]));
    }
    if (!items.length) {
      items.push(
        node(
          "li",
          { class: "empty" },
          "No texts to this number yet. Sign up on the form, or send ",
          node("b", {}, "DEMO"),
          " to 4301 below.",
        ),
      );
    }
    items.slice(previouslyShown).forEach((item) => item.classList.add("new"));
    chat.replaceChildren(...items);
    if (nearBottom || items.length > previouslyShown) chat.scrollTop = chat.scrollHeight;
    const count = messages.length;
    const last = messages[count - 1];
    $("phone-sub").textContent = count
      ? `${count} ${count === 1 ? "text" : "texts"} received · last from ${last.from}`
      : "No texts received yet";
  }

  function messageItem(m) {
    const details = [`from ${m.from}`];
    if (m.segments != null) details.push(`${m.segments} ${m.segments === 1 ? "segment" : "segments"}`);
    if (m.encoding) details.push(m.encoding);
    if (m.list_id) details.push(`list ${m.list_id}`);
    details.push(when(m.sent_at));
    return node(
      "li",
      { class: "msg in", "data-kind": m.kind || "" },
      node("div", { class: "bubble" }, m.body),
      node("p", { class: "meta" }, m.kind ? node("span", { class: "kind" }, m.kind.replace(/_/g, " ")) : null, details.join(" · ")),
    );
  }

  function replyItem(r) {
    const state = r.state === "failed" ? `not delivered: ${r.error}` : r.state === "sending" ? "sending…" : "delivered to the stack";
    return node(
      "li",
      { class: `msg out${r.state === "failed" ? " failed" : ""}` },
      node("div", { class: "bubble" }, r.body),
      node("p", { class: "meta" }, `to ${r.to} · ${when(r.at)} · ${state}`),
    );
  }

  async function send(body) {
    const text = String(body || "");
    if (!phone || !text.trim()) {
      replyInput.focus();
      return;
    }
    const reply = { body: text, to: toInput.value.trim() || DEFAULT_TO, at: new Date().toISOString(), after: messages.length, state: "sending" };
    replies.push(reply);
    saveReplies();
    renderChat();
    const mine = generation;
    try {
      const response = await fetch("/dev/inbound", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ from: phone, to: reply.to, body: text }),
      });
      if (response.ok) {
        reply.state = "sent";
      } else {
        const data = await response.json().catch(() => ({}));
        reply.state = "failed";
        reply.error = (data.error && data.error.message) || `HTTP ${response.status}`;
      }
    } catch (_) {
      reply.state = "failed";
      reply.error = "the local stack is not reachable";
    }
    if (mine !== generation) return;
    saveReplies();
    renderChat();
    sendStatus.textContent = reply.state === "sent" ? `Sent “${text}” to ${reply.to}.` : `Not sent: ${reply.error}.`;
    sendStatus.classList.toggle("is-error", reply.state === "failed");
    lastContact = 0; // the ledger will change: look again soon
  }

  // ---- the contact panel ------------------------------------------------------------------------

  async function refreshContact() {
    lastContact = Date.now();
    const mine = generation;
    let result;
    try {
      result = await getJson(`/v1/admin/contacts/${encodeURIComponent(phone)}`);
    } catch (_) {
      return;
    }
    if (mine !== generation) return;
    renderContact(result.status === 200 ? result.data : { missing: result.status === 404, status: result.status });
  }

  function renderContact(contact) {
    const subs = $("subs");
    const ledger = $("ledger");
    const signature = JSON.stringify(contact);
    if (subs.dataset.signature === signature) return;
    subs.dataset.signature = signature;
    $("contact-updated").textContent = contact ? `updated ${when(new Date().toISOString())}` : "";
    if (!contact || contact.missing || contact.status) {
      const text = !contact
        ? "Loading…"
        : contact.missing
          ? "No contact yet: nothing is stored for this number."
          : `The admin API answered ${contact.status}.`;
      subs.replaceChildren(node("p", { class: "empty" }, text));
      ledger.replaceChildren();
      return;
    }
    const rows = (contact.subscriptions || []).map((s) =>
      node(
        "tr",
        { "data-list": s.list_id },
        node("td", {}, s.list_id),
        node("td", {}, node("span", { class: `pill ${s.status}` }, s.status)),
        node("td", {}, s.method || ""),
        node("td", {}, s.consent_version || "—"),
        node("td", {}, when(s.updated_at)),
      ),
    );
    subs.replaceChildren(
      rows.length
        ? node(
            "div",
            { class: "table-wrap" },
            node(
              "table",
              {},
              node("thead", {}, node("tr", {}, ["List", "Status", "Via", "Consent version", "Updated"].map((h) => node("th", { scope: "col" }, h)))),
              node("tbody", {}, rows),
            ),
          )
        : node("p", { class: "empty" }, "No subscriptions."),
    );
    ledger.replaceChildren(...(contact.ledger || []).map(ledgerItem));
  }

  function ledgerItem(e) {
    const facts = [
      ["method", e.method],
      ["channel", e.channel],
      ["status after", e.status_after],
      ["consent version", e.consent_version],
      ["source", e.source],
      ["IP", e.ip],
      ["user agent", e.user_agent],
      ["text received", e.detail && e.detail.body],
      ["received on", e.detail && e.detail.to],
      ["request id", e.request_id],
      ["event id", e.event_id],
    ].filter(([, v]) => v != null && v !== "");
    return node(
      "li",
      { class: e.action },
      node("div", {}, node("span", { class: "what" }, e.action), ` · ${e.list_id} · ${e.method || ""} · `, node("time", { datetime: e.at }, when(e.at))),
      e.consent_text ? node("blockquote", {}, e.consent_text) : null,
      node("details", {}, node("summary", {}, "Proof"), node("dl", {}, facts.map(([k, v]) => [node("dt", {}, k), node("dd", {}, v)]))),
    );
  }

  // ---- polling ----------------------------------------------------------------------------------

  async function poll(once) {
    if (phone) {
      const mine = generation;
      try {
        const result = await getJson(`/dev/outbox?phone=${encodeURIComponent(phone)}`);
        if (mine === generation && result.ok && result.data) {
          const fresh = result.data.messages;
          if (fresh.length < messages.length || replies.some((r) => r.after > fresh.length)) {
            // The stack restarted (its outbox starts empty): these replies belong to the last run.
            replies = replies.filter((r) => r.after <= fresh.length);
            saveReplies();
          }
          const changed = fresh.length !== messages.length;
          messages = fresh;
          if (!toEdited) toInput.value = messages.length ? messages[messages.length - 1].from : DEFAULT_TO;
          renderChat();
          if (changed) lastContact = 0;
        }
      } catch (_) {
        $("phone-sub").textContent = "The local stack is not reachable — is `make run` running?";
      }
      if (Date.now() - lastContact >= CONTACT_MS) await refreshContact();
    }
    if (Date.now() - lastNumbers >= NUMBERS_MS) await refreshNumbers();
    if (!once) setTimeout(() => poll(false), document.hidden ? POLL_MS * 5 : POLL_MS);
  }

  // ---- wiring -----------------------------------------------------------------------------------

  seen.addEventListener("change", () => {
    if (seen.value) open(seen.value, false);
  });
  $("picker").addEventListener("submit", (event) => {
    event.preventDefault();
    open(numberInput.value, true);
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = replyInput.value;
    replyInput.value = "";
    send(text);
    replyInput.focus();
  });
  document.querySelectorAll("[data-send]").forEach((chip) =>
    chip.addEventListener("click", () => send(chip.getAttribute("data-send"))),
  );
  toInput.addEventListener("input", () => {
    toEdited = true;
  });

  // "?phone=+48…" typed by hand arrives as " 48…" (a form-encoded "+" is a space).
  const start = new URLSearchParams(location.search).get("phone");
  if (start) open(/^\s/.test(start) ? `+${start.trim()}` : start, false);
  poll(false);
})();
