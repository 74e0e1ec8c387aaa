/*
 * Sign-up form: progressive enhancement of the plain <form method="post" action="/v1/optin">.
 * No framework, no build step. Without this script the form still posts (the API answers a browser
 * form post with an HTML page); with it the page loads the list's brand, exact consent text and
 * language, validates inline and shows "check your phone" without leaving the page.
 */
(() => {
  "use strict";

  const form = document.getElementById("optin");
  if (!form || !window.fetch || !window.URLSearchParams) return; // the plain form keeps working

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const script = document.currentScript;
  const assetBase = new URL(".", script && script.src ? script.src : location.href);
  // The API is where the page's own form posts (configured by whoever serves the page); never a query
  // parameter: ?api= would let any link make the brand's page post the visitor's data elsewhere.
  const api = apiBase(form.getAttribute("action"));
  const listId = (params.get("list") || form.elements.list_id.value || "demo").trim().toLowerCase();
  const embedded = window.self !== window.top;
  const submitButton = $("submit");
  const statusBox = $("status");
  const INPUT_FIELDS = ["phone", "first_name", "email", "sms_consent", "email_consent"];
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

  let strings = {};
  let lang = "en";
  let list = null;
  let busy = false;

  // ---- text -------------------------------------------------------------------------------------

  function vars(extra) {
    return Object.assign(
      {
        brand: list ? list.brand : textOf("[data-slot=brand]"),
        frequency: list ? list.frequency : "",
        support: list ? list.support : "",
        list: listId,
      },
      extra || {},
    );
  }

  function t(key, extra) {
    const table = strings[lang] || {};
    const text = key in table ? table[key] : (strings.en || {})[key];
    if (text == null) return "";
    const values = vars(extra);
    return text.replace(/\{(\w+)\}/g, (whole, name) => (values[name] != null ? String(values[name]) : whole));
  }

  function textOf(selector) {
    const node = document.querySelector(selector);
    return node ? node.textContent.trim() : "";
  }

  function translatePage() {
    if (!strings[lang] && !strings.en) return; // keep the server-rendered text
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      const text = t(node.getAttribute("data-i18n"));
      if (text) node.textContent = text;
    });
  }

  function disclosureKey() {
    // US carriers (CTIA) want "Msg & data rates may apply" wherever a list may reach US numbers.
    return (list.allowed_countries || []).includes("US") ? "disclosure_us" : "disclosure";
  }

  function fillSlots() {
    document.documentElement.lang = list.language || "en";
    document.querySelectorAll("[data-slot]").forEach((node) => {
      const slot = node.getAttribute("data-slot");
      if (slot === "brand") node.textContent = list.brand;
      else if (slot === "consent_text") node.textContent = list.consent_text.text;
      else if (slot === "email_consent_text" && list.email_consent_text) node.textContent = list.email_consent_text.text;
      else if (slot === "disclosure") node.textContent = t(disclosureKey());
    });
    form.elements.consent_version.value = list.consent_text.version || "";
    form.elements.email_consent_version.value = (list.email_consent_text && list.email_consent_text.version) || "";
    document.querySelectorAll("a[data-link]").forEach((link) => {
      const url = list[link.getAttribute("data-link")];
      const safe = typeof url === "string" && /^https?:\/\//i.test(url);
      if (safe) link.href = url;
      else link.removeAttribute("href");
      link.hidden = !safe;
    });
  }

  // ---- start-up ---------------------------------------------------------------------------------

  function apiBase(action) {
    try {
      const url = new URL(action || "/v1/optin", location.href);
      if ((url.protocol === "https:" || url.protocol === "http:") && url.pathname.endsWith("/v1/optin")) {
        const base = url.origin + url.pathname.slice(0, -"/v1/optin".length);
        return base === location.origin ? "" : base;
      }
    } catch (_) {
      /* not a URL: same origin */
    }
    return "";
  }

  function applyAccent(raw) {
    if (!raw || !/^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.test(raw)) return;
    let hex = raw.replace("#", "");
    if (hex.length === 3) hex = hex.replace(/./g, "$&$&");
    const channel = (i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    // White text on the button and accent-coloured text on white both need 4.5:1.
    if (1.05 / (luminance + 0.05) >= 4.5) document.documentElement.style.setProperty("--accent", "#" + hex);
  }

  function source() {
    // Embedded in a brand's page: that page is where the visitor signed up.
    const where = embedded && document.referrer ? document.referrer : location.href;
    return where.slice(0, 200);
  }

  function timezone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (_) {
      return "";
    }
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { accept: "application/json" }, credentials: "omit" });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      /* not JSON */
    }
    return { status: response.status, ok: response.ok, data };
  }

  async function init() {
    const root = document.documentElement;
    root.classList.add("js");
    if (embedded) root.classList.add("embedded");
    applyAccent(params.get("accent"));
    form.noValidate = true; // our inline messages replace the browser's bubbles
    form.action = api + "/v1/optin";
    form.elements.list_id.value = listId;
    form.elements.timezone.value = timezone();
    form.elements.source.value = source();
    form.addEventListener("submit", onSubmit);
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    $("again").addEventListener("click", startOver);
    watchHeight();

    const [loadedStrings, loadedList] = await Promise.all([
      getJson(new URL("i18n.json", assetBase).href).catch(() => null),
      getJson(`${api}/v1/lists/${encodeURIComponent(listId)}/public`).catch(() => null),
    ]);
    if (loadedStrings && loadedStrings.ok && loadedStrings.data) strings = loadedStrings.data;
    if (loadedList && loadedList.status === 404) {
      unavailable();
      return;
    }
    if (loadedList && loadedList.ok && loadedList.data) {
      list = loadedList.data;
      lang = strings[list.language] ? list.language : "en";
      translatePage();
      fillSlots();
    }
    // Otherwise (offline, 5xx) the server-rendered text stays and the API answers the submission.
    form.setAttribute("data-ready", "true");
  }

  function unavailable() {
    lang = "en";
    translatePage();
    const notice = $("notice");
    notice.textContent = t("unknown_list");
    notice.hidden = false;
    form.hidden = true;
  }

  // ---- errors -----------------------------------------------------------------------------------

  function describedBy(input, id, add) {
    const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
    if (add) ids.push(id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  }

  function setFieldError(name, message) {
    const input = form.elements[name];
    const box = $(`${name}-error`);
    if (!input || !box) return false;
    box.textContent = "";
    const prefix = document.createElement("span");
    prefix.className = "visually-hidden";
    prefix.textContent = t("error_prefix") + " ";
    box.append(prefix, capitalise(message));
    box.hidden = false;
    input.setAttribute("aria-invalid", "true");
    describedBy(input, box.id, true);
    $(`${name}-field`).classList.add("has-error");
    return true;
  }

  function clearFieldError(name) {
    const input = form.elements[name];
    const box = $(`${name}-error`);
    if (!input || !box) return;
    box.hidden = true;
    box.textContent = "";
    input.removeAttribute("aria-invalid");
    describedBy(input, box.id, false);
    $(`${name}-field`).classList.remove("has-error");
  }

  function clearErrors() {
    INPUT_FIELDS.forEach(clearFieldError);
    setStatus("");
  }

  // isError: shown in red; quiet: for screen readers only (the same words are already on screen).
  function setStatus(text, isError, quiet) {
    statusBox.textContent = text;
    statusBox.classList.toggle("is-error", Boolean(isError && text));
    statusBox.classList.toggle("visually-hidden", Boolean(quiet));
  }

  function showErrors(fields, message) {
    const leftover = [];
    let first = null;
    Object.keys(fields).forEach((name) => {
      if (setFieldError(name, fields[name])) {
        if (!first) first = form.elements[name];
      } else {
        leftover.push(`${name}: ${fields[name]}`);
      }
    });
    const summary = leftover.length ? `${message || t("fix_errors")} (${leftover.join("; ")})` : t("fix_errors");
    setStatus(first ? t("fix_errors") : summary, true);
    if (first) first.focus();
  }

  function onEdit(event) {
    const name = event.target && event.target.name;
    if (INPUT_FIELDS.includes(name)) clearFieldError(name);
    if (name === "email_consent") clearFieldError("email");
  }

  function capitalise(text) {
    const s = String(text || "");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function localErrors() {
    const errors = {};
    const el = form.elements;
    if (!el.phone.value.trim()) errors.phone = t("phone_required");
    const email = el.email.value.trim();
    if (email && !EMAIL.test(email)) errors.email = t("email_invalid");
    else if (el.email_consent.checked && !email) errors.email = t("email_required");
    if (!el.sms_consent.checked) errors.sms_consent = t("sms_consent_required");
    return errors;
  }

  // ---- submit -----------------------------------------------------------------------------------

  function payload() {
    const el = form.elements;
    const body = {
      list_id: listId,
      phone: el.phone.value.trim(),
      sms_consent: el.sms_consent.checked,
      company_website: el.company_website.value,
    };
    const optional = {
      consent_version: el.consent_version.value,
      first_name: el.first_name.value.trim(),
      timezone: el.timezone.value,
      source: el.source.value,
    };
    Object.keys(optional).forEach((key) => {
      if (optional[key]) body[key] = optional[key];
    });
    if (el.email_consent.checked) {
      body.email = el.email.value.trim();
      body.email_consent = true;
      if (el.email_consent_version.value) body.email_consent_version = el.email_consent_version.value;
    }
    return body;
  }

  function setBusy(on) {
    busy = on;
    form.setAttribute("aria-busy", on ? "true" : "false");
    submitButton.setAttribute("aria-disabled", on ? "true" : "false");
    const label = submitButton.querySelector(".button-label");
    label.textContent = on ? t("sending") || "…" : t("submit") || label.textContent;
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    const errors = localErrors();
    if (Object.keys(errors).length) {
      showErrors(errors);
      return;
    }
    setBusy(true);
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(payload()),
        credentials: "omit",
      });
    } catch (_) {
      setBusy(false);
      setStatus(t("network"), true);
      return;
    }
    let data = {};
    try {
      data = await response.json();
    } catch (_) {
      /* an empty or non-JSON body */
    }
    setBusy(false);
    if (response.ok) {
      done(data || {});
      return;
    }
    const error = (data && data.error) || {};
    if (response.status === 429) setStatus(t("rate_limited"), true);
    else if (response.status >= 500 || !error.code) setStatus(t("server"), true);
    else if (error.fields && Object.keys(error.fields).length) showErrors(error.fields, error.message);
    else setStatus(capitalise(error.message), true);
  }

  function done(result) {
    const thanks = list && list.thank_you_url;
    if (thanks && /^https?:\/\//i.test(thanks) && result.status !== "already_active") {
      location.assign(thanks);
      return;
    }
    const words = list && list.confirm_words;
    const confirm = (words && words[0]) || t("confirm_word") || "YES";
    const values = { phone: result.phone || form.elements.phone.value.trim(), confirm };
    let title;
    let body;
    if (result.status === "active") {
      title = t("done_active_title");
      body = t("done_active_body", values);
    } else if (result.status === "already_active") {
      title = t("done_already_title");
      body = t("done_already_body", values);
    } else {
      title = t("done_pending_title");
      body = t(result.confirmation_sent === false ? "done_pending_resent" : "done_pending_body", values);
    }
    $("done-title").textContent = title;
    $("done-body").textContent = body;
    const panel = $("done");
    panel.setAttribute("data-status", result.status || "");
    form.hidden = true;
    panel.hidden = false;
    setStatus("");
    $("done-title").focus();
    setStatus(`${title}. ${body}`, false, true);
  }

  function startOver() {
    form.reset();
    form.elements.list_id.value = listId;
    form.elements.timezone.value = timezone();
    form.elements.source.value = source();
    if (list) fillSlots();
    clearErrors();
    $("done").hidden = true;
    form.hidden = false;
    form.elements.phone.focus();
  }

  // ---- embedding --------------------------------------------------------------------------------

  function watchHeight() {
    if (!embedded || !window.ResizeObserver) return;
    // The embed snippet listens for this to size the iframe to the form (no scrollbars).
    const post = () =>
      window.parent.postMessage({ type: "sms-optin:height", height: document.documentElement.scrollHeight }, "*");
    new ResizeObserver(post).observe(document.body);
  }

  init();
})();
