/*! Signpost chat widget. No dependencies, no build step.
 * Embed: <script src=".../widget.js" defer data-server="https://rasa.example" data-title="Get online"
 *         data-colour="#1d4f91" data-lang="en"></script>
 * Its language: the resident's choice in its picker, else data-lang, else the page's <html lang>, else English.
 * Docs: docs/widget.md. Text from the bot or the resident is only ever set as text, never as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.signpostWidget) return;

  // Every string the resident sees or hears, per language: filled in by the server that serves this
  // file (GET /widget.js) from its message catalogue (bot/wording, docs/wording.md). None live here.
  var STRINGS = {};
  // What that server offers, written in the same way: texts (a referral code can be sent by text message),
  // languages (those switched on, each {code, name in itself, dir}) for the picker.
  var CONFIG = {};
  if (!STRINGS.en) { if (window.console) console.error("Signpost: load widget.js from the Signpost web server"); return; }

  var data = script.dataset;
  var LANGS = (CONFIG.languages || []).filter(function (l) { return STRINGS[l.code]; });
  // "cy-GB" -> "cy" when the server offers it.
  function offered(code) {
    var primary = String(code || "").toLowerCase().split(/[-_]/)[0];
    return STRINGS[primary] ? primary : null;
  }
  function dirOf(code) {
    return LANGS.filter(function (l) { return l.code === code; }).map(function (l) { return l.dir; })[0] || "ltr";
  }
  // The widget's own words are in langCode; the conversation's hint to Rasa (metadata.language) is the same.
  var langCode = "en", t = STRINGS.en, pluralRules = null;
  function useLanguage(code) {
    langCode = offered(code) || "en";
    t = STRINGS[langCode];
    pluralRules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(langCode) : null;
  }

  // "{name}" in a catalogue string -> the value; plurals pick their form with the browser's CLDR rules.
  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (match, name) { return name in values ? String(values[name]) : match; });
  }
  function plural(forms, n) {
    var form = (pluralRules && forms[pluralRules.select(n)]) || forms.other || "";
    return fill(form, { n: n });
  }
  var server = (data.server || "http://localhost:5005").replace(/\/+$/, "");
  var forgetUrl = data.forgetUrl || new URL("/api/forget", script.src).href;
  var textUrl = data.textUrl || new URL("/referrals/text", script.src).href;
  var storageKey = "signpost-chat";
  var TIMEOUT_MS = 45000;
  var RETRY_DELAYS = [1000, 2000, 4000, 8000, 10000];

  // ---------- storage: sessionStorage by default (shared library PCs) ----------
  var memory = {};
  var store = (function () {
    try {
      var s = data.storage === "local" ? window.localStorage : window.sessionStorage;
      s.setItem(storageKey + "-test", "1");
      s.removeItem(storageKey + "-test");
      return s;
    } catch (e) {
      return { getItem: function (k) { return memory[k] || null; }, setItem: function (k, v) { memory[k] = v; }, removeItem: function (k) { delete memory[k]; } };
    }
  })();

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  var state = (function () {
    try {
      var saved = JSON.parse(store.getItem(storageKey) || "null");
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.items)) return saved;
    } catch (e) { /* start afresh */ }
    return { sender: newId(), items: [], open: false };
  })();
  // state.lang: only a language the resident chose in the picker, so another page's data-lang still counts;
  // state.heard: the language the bot last said it answered in (the resident's, as Rasa took it).
  useLanguage(offered(state.lang) || offered(state.heard) || offered(data.lang) || offered(document.documentElement.lang) || "en");

  function save() {
    var items = state.items.map(function (item) {
      // A message still on its way when the page goes away may or may not have arrived.
      var done = item.state === "sent" || item.state === "refused";
      return item.from === "user" && item.state && !done ? Object.assign({}, item, { state: "unsure" }) : item;
    });
    try { store.setItem(storageKey, JSON.stringify({ sender: state.sender, items: items, open: state.open, lang: state.lang, heard: state.heard })); } catch (e) { /* full */ }
  }

  // ---------- colours: keep text on the council's colour at 4.5:1 or better ----------
  function luminance(hex) {
    var n = parseInt(hex.slice(1), 16);
    return [n >> 16, (n >> 8) & 255, n & 255].map(function (c) {
      c /= 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }).reduce(function (sum, c, i) { return sum + c * [0.2126, 0.7152, 0.0722][i]; }, 0);
  }
  var accent = data.colour || data.color || "";
  if (/^#[0-9a-f]{3}$/i.test(accent)) accent = "#" + accent.slice(1).replace(/./g, "$&$&");
  if (!/^#[0-9a-f]{6}$/i.test(accent)) accent = "#1d4f91";
  var onAccent = 1.05 / (luminance(accent) + 0.05) >= 4.5 ? "#ffffff" : "#0b0c0c";

  // ---------- DOM helpers: text only, never HTML ----------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === false || attrs[k] == null) return;
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  // Words of the widget's own, inside something that may be in another language (a message): marked as ours.
  // dir keeps them out of the message's dir="auto" guess.
  function srOnly(text) { return el("span", { class: "sr", lang: langCode, dir: dirOf(langCode), text: text }); }

  function safeHref(url) {
    try {
      var u = new URL(url);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) { return null; }
  }

  // URLs and UK phone numbers in bot text become links; everything else stays text.
  var LINKABLE = /(https?:\/\/[^\s<>"']+|www\.[^\s<>"']+\.[^\s<>"']+)|(\b0\d{3,4} ?\d{3} ?\d{3,4}\b)/gi;
  function richText(text) {
    var frag = document.createDocumentFragment();
    var last = 0;
    text.replace(LINKABLE, function (match, url, phone, index) {
      var trail = url ? match.match(/[.,;:!?)\]]*$/)[0] : "";
      var body = match.slice(0, match.length - trail.length);
      var href = url ? safeHref(/^www\./i.test(body) ? "https://" + body : body) : "tel:" + body.replace(/\s/g, "");
      frag.appendChild(document.createTextNode(text.slice(last, index)));
      frag.appendChild(href ? el("a", { href: href, text: body }) : document.createTextNode(body));
      frag.appendChild(document.createTextNode(trail));
      last = index + match.length;
      return match;
    });
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  // ---------- the shadow root: our styles cannot leak out, the page's cannot leak in ----------
  var CSS = [
    ":host{all:initial !important;display:block !important}",
    ".root{font:400 max(1rem,18px)/1.5 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#0b0c0c;--accent:" + accent + ";--on-accent:" + onAccent + "}",
    ".root *{box-sizing:border-box;letter-spacing:normal;word-spacing:normal;text-transform:none}",
    ".sr{position:absolute!important;width:1px!important;height:1px!important;margin:-1px!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;white-space:nowrap!important;border:0!important}",
    "button{font:inherit;cursor:pointer;min-height:44px;min-width:44px;padding:.4em .9em;border:2px solid #0b0c0c;border-radius:6px;background:#fff;color:#0b0c0c;font-weight:600;line-height:1.2}",
    "button:hover{background:#e8e8e8}",
    "button:focus-visible,input:focus-visible,select:focus-visible,a:focus-visible,[tabindex]:focus-visible{outline:3px solid #0b0c0c;outline-offset:0;box-shadow:0 0 0 6px #fd0}",
    "a{color:#1a4480;text-decoration:underline;text-underline-offset:.15em;overflow-wrap:anywhere}",
    "a:hover{text-decoration-thickness:3px}",
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;display:flex;align-items:center;gap:.5em;min-height:52px;padding:.5em 1.1em;background:var(--accent);color:var(--on-accent);border:2px solid var(--on-accent);border-radius:26px;box-shadow:0 2px 8px rgba(0,0,0,.35);font-size:1.05em;font-weight:700}",
    ".launcher:hover{background:var(--accent);text-decoration:underline}",
    ".launcher svg{width:1.4em;height:1.4em;fill:currentColor;flex:none}",
    ".panel{position:fixed;right:16px;bottom:84px;z-index:2147483001;display:flex;flex-direction:column;width:400px;max-width:calc(100vw - 32px);height:620px;max-height:calc(100vh - 100px);background:#fff;border:2px solid #0b0c0c;border-radius:10px;box-shadow:0 4px 24px rgba(0,0,0,.3);overflow:hidden}",
    ".panel[hidden]{display:none}",
    "header{display:flex;flex-wrap:wrap;align-items:center;gap:8px;padding-block:8px;padding-inline:14px 8px;background:var(--accent);color:var(--on-accent);border-bottom:2px solid #0b0c0c}",
    "h2{flex:1 1 0;min-width:6em;margin:0;font-size:1.15em;font-weight:700;line-height:1.25}",
    "header button{background:#fff;padding:.4em .7em}",
    ".lang{flex:1 1 100%;display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px}",
    ".lang label{display:flex;align-items:center;gap:6px;margin:0}.lang svg{width:1.3em;height:1.3em;flex:none}",
    "select{font:inherit;min-height:44px;max-width:100%;padding:.3em .5em;border:2px solid #0b0c0c;border-radius:6px;background:#fff;color:#0b0c0c}",
    ".confirm{padding:12px 14px;background:#fff7d6;border-bottom:2px solid #0b0c0c}",
    ".confirm p{margin:0 0 8px;font-weight:600}",
    ".confirm div,.status{display:flex;flex-wrap:wrap;gap:8px;align-items:center}",
    ".status{padding:0 14px;background:#fff7d6;font-weight:600}",
    ".status.on{padding:8px 14px;border-bottom:2px solid #0b0c0c}",
    ".log{position:relative;flex:1 1 auto;min-height:6em;overflow-y:auto;padding:12px;background:#fff}",
    ".msg{display:flex;flex-direction:column;margin:0 0 12px}",
    ".bubble{max-width:88%;padding:.55em .85em;border:2px solid transparent;border-radius:12px;white-space:pre-line;overflow-wrap:anywhere}",
    ".bot .bubble{align-self:flex-start;background:#f0f0f0;border-color:#d0d0d0;border-bottom-left-radius:3px}",
    ".user .bubble{align-self:flex-end;background:var(--accent);color:var(--on-accent);border-bottom-right-radius:3px}",
    ".root[dir=rtl] .bot .bubble{border-radius:12px 12px 3px 12px}.root[dir=rtl] .user .bubble{border-radius:12px 12px 12px 3px}",
    ".user .bubble a{color:inherit}",
    ".note{align-self:flex-end;display:flex;flex-wrap:wrap;gap:8px;align-items:center;justify-content:flex-end;margin-top:4px;font-size:.9em;font-weight:600;color:#6b1d1d}",
    ".choices{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 12px}",
    ".choices button{background:#fff;border-radius:22px}",
    ".cards{list-style:none;margin:0;padding:0;display:grid;gap:10px}",
    ".card{border:2px solid #0b0c0c;border-radius:8px;padding:10px 12px;background:#fff}",
    ".card h3{margin:0 0 4px;font-size:1.05em;font-weight:700}",
    ".card p{margin:2px 0}",
    ".open{font-weight:600;color:#0b5a2b}",
    ".closed{font-weight:600;color:#6b1d1d}",
    ".links{display:flex;flex-wrap:wrap;gap:4px 16px;margin-top:6px!important}",
    ".links a{display:inline-flex;align-items:center;min-height:32px}",
    ".typing{display:flex;gap:5px;padding:.8em 1em;align-self:flex-start;background:#f0f0f0;border-radius:12px;margin:0 0 12px;width:max-content}",
    ".typing span{width:8px;height:8px;border-radius:50%;background:#505050;animation:sp-bounce 1.2s infinite ease-in-out}",
    ".typing span:nth-child(2){animation-delay:.2s}.typing span:nth-child(3){animation-delay:.4s}",
    "@keyframes sp-bounce{0%,80%,100%{opacity:.3}40%{opacity:1}}",
    "form{padding:10px 12px 12px;border-top:2px solid #0b0c0c;background:#fff}",
    "label{display:block;margin-bottom:4px;font-weight:600}",
    ".row{display:flex;gap:8px}",
    "input{font:inherit;flex:1 1 auto;min-width:0;min-height:44px;padding:.4em .6em;border:2px solid #0b0c0c;border-radius:6px;background:#fff;color:#0b0c0c}",
    ".send{background:var(--accent);color:var(--on-accent);border-color:#0b0c0c}",
    ".send:hover{background:var(--accent);text-decoration:underline}",
    ".referral{align-self:stretch;padding:10px 12px;border:3px solid #0b0c0c;border-radius:8px;background:#fff}",
    ".referral p{margin:0 0 8px}",
    ".code{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px}",
    ".code strong{font:700 1.6em/1.2 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.12em}",
    ".actions{display:flex;flex-wrap:wrap;gap:8px}",
    ".referral form{padding:10px 0 0;border:0;background:none}",
    ".referral form[hidden],.print-sheet{display:none}",
    ".hint{font-size:.9em;color:#505050}",
    ".referral .send{flex:none;white-space:nowrap}",
    ".referral [aria-invalid=true]{border-color:#6b1d1d;border-width:3px}",
    ".referral [role=status]:not(:empty){margin:8px 0 0;font-weight:600}",
    ".referral .error{color:#6b1d1d}",
    "@media print{.printing .launcher,.printing .panel{display:none!important}.printing .print-sheet{display:block;color:#000;font-size:14pt}.print-sheet .big{font:700 40pt/1.2 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.1em;margin:0 0 12pt}.print-sheet ul{list-style:none;padding:0}.print-sheet li{margin:0 0 12pt;break-inside:avoid}.print-sheet h3{margin:0;font-size:16pt}.print-sheet p{margin:0}}",
    "@media (max-width:480px),(max-height:560px){.panel{inset:0;width:auto;height:auto;max-width:none;max-height:none;border:0;border-radius:0}.is-open .launcher{display:none}}",
    "@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}",
    "@media (forced-colors:active){.bubble,.card,.typing,button,input,select{border:2px solid CanvasText}.user .bubble{border-style:double;border-width:4px}button:focus-visible,input:focus-visible,select:focus-visible,a:focus-visible{outline:3px solid Highlight}.typing span{background:CanvasText}}"
  ].join("\n");

  var host = el("signpost-chat");
  var shadow = host.attachShadow({ mode: "open" });
  if (shadow.adoptedStyleSheets && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS); // constructed sheets work under a strict style-src CSP
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.appendChild(el("style", { text: CSS }));
  }

  // Icons are decoration, hidden from assistive technology: the words beside them say it.
  function svgIcon(d, outline) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var shape = document.createElementNS("http://www.w3.org/2000/svg", "path");
    shape.setAttribute("d", d);
    if (outline) { shape.setAttribute("fill", "none"); shape.setAttribute("stroke", "currentColor"); shape.setAttribute("stroke-width", "2"); }
    svg.appendChild(shape);
    return svg;
  }
  var icon = svgIcon("M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
  // A globe beside the picker's label: findable by someone who cannot read the widget's current language.
  var globe = svgIcon("M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 3c-5 5-5 13 0 18M12 3c5 5 5 13 0 18M3 12h18", true);

  // The widget's own words are set by applyWords(), again whenever the resident picks another language.
  var launcherText = el("span");
  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "sp-panel", onclick: toggle }, [icon, launcherText]);
  // A council's data-title is in its page's language, whatever the widget's.
  var titleNode = el("h2", { id: "sp-title", lang: data.title ? data.lang || document.documentElement.lang || false : false, dir: data.title ? "auto" : false });
  var endButton = el("button", { type: "button", onclick: askEnd });
  var closeButton = el("button", { type: "button", onclick: close });
  var picker = LANGS.length > 1 ? el("select", { id: "sp-lang", onchange: function () { pickLanguage(picker.value); } }, LANGS.map(function (l) {
    return el("option", { value: l.code, lang: l.code, dir: l.dir, text: l.name }); // each language named in itself
  })) : null;
  var pickerText = el("span");
  var pickerLabel = el("label", { for: "sp-lang" }, [globe, pickerText]);
  var confirmText = el("p", { id: "sp-confirm-text" });
  var endYes = el("button", { type: "button", onclick: endChat });
  var endNo = el("button", { type: "button", onclick: cancelEnd });
  var confirmBox = el("div", { class: "confirm", role: "group", "aria-labelledby": "sp-confirm-text", tabindex: "-1", hidden: true }, [confirmText, el("div", {}, [endYes, endNo])]);
  var statusText = el("span");
  var statusAction = el("button", { type: "button", hidden: true, onclick: retryNow });
  var status = el("div", { class: "status" }, [el("div", { role: "status" }, [statusText]), statusAction]);
  function makeLog() { return el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.conversation, tabindex: "0" }); }
  var log = makeLog();
  var input = el("input", { id: "sp-input", type: "text", autocomplete: "off", maxlength: "1000", enterkeyhint: "send", dir: "auto" });
  var inputLabel = el("label", { for: "sp-input" });
  var sendButton = el("button", { type: "submit", class: "send" });
  var form = el("form", { novalidate: true, onsubmit: function (e) { e.preventDefault(); submit(input.value); } }, [
    inputLabel,
    el("div", { class: "row" }, [input, sendButton])
  ]);
  var panel = el("section", { id: "sp-panel", class: "panel", role: "dialog", "aria-labelledby": "sp-title", "aria-describedby": "sp-welcome", hidden: true, onkeydown: onPanelKey }, [
    el("header", {}, [titleNode, endButton, closeButton, picker ? el("div", { class: "lang" }, [pickerLabel, picker]) : null]),
    confirmBox, status, log, form
  ]);
  var printSheet = el("div", { class: "print-sheet" });
  var root = el("div", { class: "root" }, [launcher, panel, printSheet]);
  shadow.appendChild(root);

  // Right to left for Arabic and Urdu (CLDR's direction, from the server); lang for screen readers.
  function applyWords() {
    root.setAttribute("lang", langCode);
    root.setAttribute("dir", dirOf(langCode));
    launcherText.textContent = t.launcher;
    titleNode.textContent = data.title || t.title;
    endButton.textContent = t.end;
    closeButton.textContent = t.close;
    pickerText.textContent = t.language;
    if (picker) picker.value = langCode;
    confirmText.textContent = t.endQuestion;
    endYes.textContent = t.endYes;
    endNo.textContent = t.endNo;
    statusAction.textContent = t.tryNow;
    log.setAttribute("aria-label", t.conversation);
    inputLabel.textContent = t.label;
    sendButton.textContent = t.send;
    if (statusKey) setStatus(t[statusKey], !statusAction.hidden);
  }

  // The resident's choice: the widget's words change at once, and later messages carry it as the hint.
  // A pick in the middle of a chat is the resident asking to be answered in that language: it is sent as
  // the change_language intent (shown as the language's own name), so the answers switch too, not only the
  // widget's words. Before the first message the hint that goes with every message is enough.
  function pickLanguage(code) {
    state.lang = offered(code) || "en";
    switchTo(state.lang);
    var chatting = state.items.some(function (i) { return i.from === "user"; });
    var name = LANGS.filter(function (l) { return l.code === state.lang; }).map(function (l) { return l.name; })[0];
    if (chatting && !pending && name) submit("/change_language" + JSON.stringify({ language: state.lang }), name);
  }

  // Unless the resident picked a language, the widget follows the one the bot answers in: someone who
  // writes in Polish on an English page gets Polish buttons too.
  function follow(said) {
    if (!said || state.lang || offered(said) !== said) return;
    state.heard = said;
    if (said !== langCode) switchTo(said);
    else save();
  }

  // The conversation is drawn again in a new message list, swapped in whole: drawn inside the old one, the
  // live region would read every message out again.
  function switchTo(code) {
    useLanguage(code);
    applyWords();
    var old = log, top = log.scrollTop;
    log = makeLog();
    renderAll();
    old.replaceWith(log);
    log.scrollTop = top;
    save();
  }

  // ---------- status line: each state is announced once ----------
  var statusKey = null; // which of the widget's words the status line says, to say it again in another language
  function setStatus(text, action) {
    statusKey = Object.keys(t).filter(function (k) { return text && t[k] === text; })[0] || null;
    if (statusText.textContent !== (text || "")) statusText.textContent = text || "";
    status.classList.toggle("on", !!text);
    statusAction.hidden = !action;
  }

  // ---------- rendering ----------
  function renderItem(item) {
    var node;
    if (item.kind === "choices") {
      node = el("div", { class: "choices", role: "group", "aria-label": t.choose }, item.buttons.map(function (b) {
        // Rasa's buttons are in the answer's language; the location button (geo) is the widget's.
        return el("button", { type: "button", lang: b.geo ? false : item.lang || false, dir: "auto", text: b.geo ? t.useLocation : b.title, onclick: function () { choose(b); } });
      }));
    } else if (item.kind === "hubs") {
      node = el("div", { class: "msg bot" }, [srOnly(t.bot), hubCards(item.hubs, item.lang)]);
    } else if (item.kind === "referral") {
      node = el("div", { class: "msg bot" }, [srOnly(t.bot), referralBox(item)]);
    } else {
      // dir="auto": a message takes the direction of its own words (a Latin place name in an Arabic widget).
      var welcome = item.id === "welcome";
      var bubble = el("div", { class: "bubble", dir: "auto" }, [srOnly(item.from === "user" ? t.you : t.bot)]);
      bubble.appendChild(item.from === "user" ? document.createTextNode(item.text) : richText(welcome ? t.welcome : item.text));
      // Each message says its language for screen readers: the welcome is the widget's, others their own.
      node = el("div", { class: "msg " + (item.from === "user" ? "user" : "bot"), lang: welcome ? langCode : item.lang || false }, [bubble]);
      if (item.from === "user") {
        notes[item.id] = el("div", { class: "note", lang: langCode, dir: dirOf(langCode) });
        node.appendChild(notes[item.id]);
        showNote(item);
      }
    }
    node.setAttribute("data-id", item.id);
    if (item.id === "welcome") node.id = "sp-welcome"; // read out with the dialog's name on opening
    log.appendChild(node);
    return node;
  }

  var notes = {};
  function showNote(item) {
    var note = notes[item.id];
    if (!note) return;
    note.textContent = "";
    if (item.state === "retrying") note.appendChild(el("span", { text: t.notSent }));
    if (item.state === "refused") note.appendChild(el("span", { text: t.refused }));
    if (item.state === "unsure" || item.state === "old") note.appendChild(el("span", { text: t.unsure }));
    if (item.state === "unsure" && !pending) note.appendChild(el("button", { type: "button", text: t.sendAgain, onclick: function () { resend(item); } }));
  }

  // A card's words from the answer (hours, booking, distance) are in its language; names and addresses as written.
  function hubCards(hubs, lang) {
    return el("ul", { class: "cards", "aria-label": plural(t.places, hubs.length) }, hubs.map(function (h) {
      var lat = Number(h.latitude), lon = Number(h.longitude), links = [];
      if (isFinite(lat) && isFinite(lon)) {
        links.push(el("a", { href: "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon, lang: langCode }, [t.map, srOnly(", " + h.name)]));
      }
      var tel = String(h.phone || "").replace(/[^\d+]/g, "");
      if (tel) links.push(el("a", { href: "tel:" + tel, lang: langCode, text: fill(t.call, { phone: h.phone }) }));
      var site = h.url && safeHref(h.url);
      if (site) links.push(el("a", { href: site, lang: langCode }, [t.website, srOnly(", " + h.name)]));
      // Opening hours in the directory's words, said as the text version says them (payload hours_text).
      var state = h.open_now === true ? "open" : h.open_now === false ? "closed" : "";
      var hours = h.hours_text ? el("p", { class: state || false, dir: "auto", text: String(h.hours_text) }) : null;
      return el("li", { class: "card", lang: lang || false }, [
        el("h3", { dir: "auto", text: String(h.name || "") }),
        h.distance_text ? el("p", { dir: "auto", text: fill(t.away, { distance: h.distance_text }) }) : null,
        hours,
        el("p", { dir: "auto", text: [h.address, h.postcode].filter(Boolean).join(", ") }),
        h.booking_text ? el("p", { dir: "auto", text: String(h.booking_text) }) : null,
        links.length ? el("p", { class: "links" }, links) : null
      ]);
    }));
  }

  // ---------- a referral code: Print, and texting it when the server can send texts ----------
  function referralBox(item) {
    var texting = CONFIG.texts ? textMeThis(item) : {};
    return el("div", { class: "referral" }, [
      el("p", { lang: item.lang || false, dir: "auto" }, [richText(item.text)]),
      el("p", { class: "code" }, [el("span", { text: t.yourCode }), el("strong", { dir: "ltr", text: item.code })]),
      el("div", { class: "actions" }, [el("button", { type: "button", text: t.print, onclick: function () { printReferral(item); } }), texting.button]),
      texting.form,
      texting.message
    ]);
  }

  // Texting a code: the number goes to our web server for this one text and nowhere else (not the chat,
  // not storage). Its answer is an error code, said here in the resident's words.
  function textMeThis(item) {
    var id = "sp-ref-" + item.id;
    var message = el("p", { role: "status", id: id + "-status" });
    var number = el("input", { id: id + "-tel", type: "tel", dir: "ltr", autocomplete: "tel", inputmode: "tel", maxlength: "40", "aria-describedby": id + "-hint" });
    var sending = false;
    var form = el("form", { id: id + "-form", novalidate: true, hidden: true, onsubmit: function (e) { e.preventDefault(); sendText(); } }, [
      el("label", { for: id + "-tel", text: t.mobile }),
      el("p", { class: "hint", id: id + "-hint", text: t.mobileHint }),
      el("div", { class: "row" }, [number, el("button", { type: "submit", class: "send", text: t.sendText })])
    ]);
    var button = el("button", { type: "button", "aria-expanded": "false", "aria-controls": id + "-form", text: t.textMe, onclick: function () {
      var opening = form.hidden;
      form.hidden = !opening;
      button.setAttribute("aria-expanded", String(opening));
      if (opening) number.focus();
    } });
    var reasons = { not_a_mobile: t.textBadNumber, unknown_code: t.textUnknown, expired_code: t.textExpired, too_many: t.textTooMany };

    function say(text, isError) {
      message.className = isError ? "error" : "";
      message.textContent = text;
      number.setAttribute("aria-invalid", String(text === t.textBadNumber));
      number.setAttribute("aria-describedby", id + "-hint" + (isError ? " " + id + "-status" : ""));
      if (message.scrollIntoView) message.scrollIntoView({ block: "nearest" });
    }

    function sendText() {
      if (sending) return;
      sending = true;
      say(t.textSending);
      fetch(textUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ code: item.code, number: number.value }),
        credentials: "omit",
        cache: "no-store"
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok && body && body.sent) {
            number.value = "";
            form.hidden = true;
            button.setAttribute("aria-expanded", "false");
            button.focus();
            say(t.textSent);
            return;
          }
          say(reasons[body && body.error] || t.textFailed, true);
          number.focus();
        });
      }, function () {
        say(t.textFailed, true);
      }).then(function () { sending = false; });
    }

    return { button: button, form: form, message: message };
  }

  // Print only the code, in large type, and the places of that answer: not the chat, not the council's page.
  var pageSheet = null;
  function printReferral(item) {
    printSheet.textContent = "";
    // Each line in its own language and direction, as on screen.
    printSheet.appendChild(el("p", { class: "big", dir: "ltr", text: item.code }));
    printSheet.appendChild(el("p", { lang: item.lang || false, dir: "auto", text: item.text }));
    printSheet.appendChild(el("ul", {}, (item.hubs || []).map(function (h) {
      return el("li", { lang: item.lang || false }, [
        el("h3", { dir: "auto", text: String(h.name || "") }),
        el("p", { dir: "auto", text: [h.address, h.postcode].filter(Boolean).join(", ") }),
        h.phone ? el("p", { lang: langCode, dir: "auto", text: fill(t.call, { phone: h.phone }) }) : null,
        h.booking_text ? el("p", { dir: "auto", text: String(h.booking_text) }) : null
      ]);
    })));
    if (!pageSheet && document.adoptedStyleSheets && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
      pageSheet = new CSSStyleSheet();
      pageSheet.replaceSync("@media print{html[data-signpost-print] body>:not(signpost-chat){display:none!important}}");
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([pageSheet]);
    }
    root.classList.add("printing");
    document.documentElement.setAttribute("data-signpost-print", "");
    window.print();
  }
  window.addEventListener("afterprint", function () {
    root.classList.remove("printing");
    document.documentElement.removeAttribute("data-signpost-print");
  });

  function add(item) {
    item.id = item.id || newId().slice(0, 12);
    state.items.push(item);
    var node = renderItem(item);
    save();
    return node;
  }

  function scrollTo(node) {
    log.scrollTop = Math.max(0, node.offsetTop - 8);
  }

  function clearChoices() {
    state.items = state.items.filter(function (i) { return i.kind !== "choices"; });
    Array.prototype.forEach.call(log.querySelectorAll(".choices"), function (n) { n.remove(); });
  }

  function renderAll() {
    log.textContent = "";
    if (!state.items.length) state.items.push({ id: "welcome", from: "bot", text: t.welcome });
    state.items.forEach(renderItem);
    if (typingNode) log.appendChild(typingNode); // a reply still on its way when the language changed
    log.scrollTop = log.scrollHeight;
  }

  // One answer from Rasa: text, quick replies (shown last) and hub cards. Replies are told apart by
  // their structure (custom.type), never by their words (docs/wording.md).
  function kind(r) { return r && r.custom && typeof r.custom.type === "string" ? r.custom.type : null; }

  function hubsOf(r) {
    return kind(r) === "hubs" && Array.isArray(r.custom.hubs) && r.custom.hubs.length ? r.custom.hubs : null;
  }

  // The language Rasa answered in: the reply's own "language" when the channel says it, else the hint we sent.
  function answerLanguage(r, sent) {
    return r && typeof r.language === "string" && /^[a-z]{2,3}$/.test(r.language) ? r.language : sent;
  }

  // asked: the resident's message these replies answer.
  function renderReplies(replies, asked) {
    var sent = asked.lang || langCode;
    var buttons = [], first = null, asksLocation = false, lang = sent;
    // A referral code is good at the places of its answer: the places sent with it (for Print).
    var answerHubs = [];
    replies.forEach(function (r) { answerHubs = answerHubs.concat(hubsOf(r) || []); });
    replies.forEach(function (r) {
      if (!r) return;
      var node = null;
      var hubs = hubsOf(r);
      lang = answerLanguage(r, sent);
      // A list of places carries its text version for text-only clients: the cards say it, once.
      if (hubs) node = add({ kind: "hubs", from: "bot", hubs: hubs, lang: lang });
      else if (kind(r) === "referral" && typeof r.custom.code === "string") node = add({ kind: "referral", from: "bot", text: String(r.text || ""), code: r.custom.code, hubs: answerHubs, lang: lang });
      else if (typeof r.text === "string" && r.text) node = add({ from: "bot", text: r.text, lang: lang });
      if (kind(r) === "ask_location") asksLocation = true;
      if (Array.isArray(r.buttons)) buttons = buttons.concat(r.buttons.filter(function (b) { return b && b.title && b.payload; }));
      first = first || node;
    });
    if (asksLocation && navigator.geolocation && window.isSecureContext) buttons.push({ title: t.useLocation, geo: true });
    if (buttons.length) add({ kind: "choices", buttons: buttons, lang: lang });
    // When the channel says which language it answered in, that is the language the resident was taken to write in.
    var said = replies.map(function (r) { return answerLanguage(r, null); }).filter(Boolean)[0];
    if (said && said !== asked.lang) {
      asked.lang = said;
      var mine = log.querySelector('[data-id="' + asked.id + '"]');
      if (mine) mine.setAttribute("lang", said);
      save();
    }
    follow(said); // may have drawn the list again: find the first reply in it
    if (first) scrollTo(log.querySelector('[data-id="' + first.getAttribute("data-id") + '"]') || first);
  }

  // ---------- sending: one message at a time, never twice ----------
  var pending = null, retryTimer = null, attempt = 0, typingNode = null, slowTimer = null;

  function submit(text, shown) {
    text = String(text || "").trim();
    if (!text) { input.focus(); return; }
    if (pending) { setStatus(t.busy); return; }
    var fromInput = shown === undefined;
    clearChoices();
    state.items.forEach(function (i) { if (i.state === "unsure") { i.state = "old"; showNote(i); } });
    var item = { from: "user", text: fromInput ? text : shown, payload: text, state: "sending", lang: langCode };
    scrollTo(add(item));
    if (fromInput) input.value = "";
    attempt = 0;
    deliver(item);
  }

  function choose(button) {
    if (pending) { setStatus(t.busy); return; }
    input.focus(); // the buttons are about to go; keep focus somewhere useful
    if (button.geo) { locate(); return; }
    submit(button.payload, button.title);
  }

  function locate() {
    setStatus(t.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      setStatus("");
      var c = pos.coords;
      submit("/inform_location" + JSON.stringify({ latitude: Math.round(c.latitude * 1000) / 1000, longitude: Math.round(c.longitude * 1000) / 1000 }), t.myLocation);
    }, function () { setStatus(t.noLocation); }, { timeout: 15000, maximumAge: 600000 });
  }

  function showTyping(on, quiet) {
    if (on && !typingNode) {
      typingNode = el("div", { class: "typing", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]);
      log.appendChild(typingNode);
      log.scrollTop = log.scrollHeight;
      if (!quiet) setStatus(t.typing);
    } else if (!on && typingNode) {
      typingNode.remove();
      typingNode = null;
    }
  }

  function setItemState(item, value) {
    item.state = value;
    showNote(item);
    save();
  }

  function deliver(item) {
    pending = item;
    clearTimeout(retryTimer);
    var wasRetrying = item.state === "retrying";
    showTyping(true, wasRetrying); // while retrying, the status already says so: say it once
    var controller = new AbortController();
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; controller.abort(); }, TIMEOUT_MS);
    clearTimeout(slowTimer);
    if (!wasRetrying) slowTimer = setTimeout(function () { setStatus(t.slow); }, 12000);
    fetch(server + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      // language: the hint for the conversation's language (docs/widget.md), the widget's at the time of writing.
      body: JSON.stringify({ sender: state.sender, message: item.payload, metadata: { channel: "web", language: item.lang || langCode } }),
      signal: controller.signal,
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      if (response.status >= 400 && response.status < 500) {
        // The server refused the message (too many too fast, too long) and says why, in words to show.
        return response.json().then(function (replies) {
          if (item !== pending) return;
          if (!Array.isArray(replies) || !replies.some(function (r) { return r && typeof r.text === "string"; })) throw new Error("HTTP " + response.status);
          finish(item, "refused", "");
          renderReplies(replies, item);
        });
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json().then(function (replies) {
        if (item !== pending) return;
        finish(item, "sent", wasRetrying ? t.back : "");
        renderReplies(Array.isArray(replies) ? replies : [], item);
      });
    }, function () {
      if (item !== pending) return;
      if (timedOut) {
        finish(item, "unsure", t.unsure);
        return;
      }
      // The browser could not connect at all (refused, offline, DNS): nothing reached
      // the server, so sending again later cannot make the bot see it twice.
      showTyping(false);
      clearTimeout(slowTimer);
      setItemState(item, "retrying");
      var offline = navigator.onLine === false;
      setStatus(offline ? t.offline : t.retrying, !offline);
      var delay = RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)] * (0.8 + Math.random() * 0.4);
      attempt += 1;
      if (!offline) retryTimer = setTimeout(function () { if (pending === item) deliver(item); }, delay);
    }).catch(function () {
      // The server answered with an error, or with something we cannot read: it may have
      // handled the message, so do not send it again without the resident asking.
      if (item === pending) finish(item, "unsure", t.unsure);
    }).then(function () { clearTimeout(timer); });
  }

  function finish(item, value, message) {
    pending = null;
    clearTimeout(slowTimer);
    showTyping(false);
    setStatus(message);
    setItemState(item, value);
  }

  function retryNow() {
    if (pending && pending.state === "retrying") { attempt = 0; deliver(pending); }
  }

  function resend(item) {
    if (pending) return;
    setItemState(item, "sending");
    attempt = 0;
    deliver(item);
  }

  window.addEventListener("online", retryNow);
  window.addEventListener("offline", function () { if (pending && pending.state === "retrying") setStatus(t.offline); });

  // ---------- opening, closing, ending ----------
  function isFullScreen() { return window.matchMedia("(max-width:480px),(max-height:560px)").matches; }

  function open(moveFocus) {
    state.open = true;
    save();
    panel.hidden = false;
    root.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    log.scrollTop = log.scrollHeight;
    if (moveFocus !== false) input.focus();
  }

  function close() {
    state.open = false;
    save();
    cancelEnd(true);
    panel.hidden = true;
    root.classList.remove("is-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function toggle() { if (panel.hidden) open(); else close(); }

  function onPanelKey(e) {
    if (e.key === "Escape") {
      e.preventDefault();
      if (!confirmBox.hidden) cancelEnd(); else close();
    } else if (e.key === "Tab" && isFullScreen()) {
      // Full screen, the page behind is covered: keep focus where the resident can see it.
      var focusable = Array.prototype.filter.call(panel.querySelectorAll("button,a[href],input,select,[tabindex='0']"), function (n) { return !n.disabled && n.offsetParent !== null; });
      var firstEl = focusable[0], lastEl = focusable[focusable.length - 1];
      if (e.shiftKey && shadow.activeElement === firstEl) { e.preventDefault(); lastEl.focus(); }
      else if (!e.shiftKey && shadow.activeElement === lastEl) { e.preventDefault(); firstEl.focus(); }
    }
  }

  function askEnd() {
    confirmBox.hidden = false;
    confirmBox.focus();
  }

  function cancelEnd(quiet) {
    if (confirmBox.hidden) return;
    confirmBox.hidden = true;
    if (quiet !== true) endButton.focus();
  }

  function endChat() {
    var sender = state.sender;
    pending = null;
    clearTimeout(retryTimer);
    clearTimeout(slowTimer);
    showTyping(false);
    confirmBox.hidden = true;
    state = { sender: newId(), items: [], open: true, lang: state.lang };
    store.removeItem(storageKey);
    renderAll();
    save();
    input.value = "";
    input.focus();
    fetch(forgetUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender }),
      credentials: "omit",
      keepalive: true
    }).then(function (r) { setStatus(r.ok ? t.ended : t.endedLater); }, function () { setStatus(t.endedLater); });
  }

  applyWords();
  renderAll();
  (document.body || document.documentElement).appendChild(host);
  if (state.open) open(false);

  window.signpostWidget = { open: open, close: close, version: "1.0.0" };
})();
