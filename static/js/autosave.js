// The article form's autosave (articles/autosave.py, templates/admin/articles/article/
// includes/autosave.html). A private copy of the unsaved edits goes to the server a
// few seconds after the last change and again when the page is left, so a crashed
// browser or a closed tab loses at most those seconds. Opening the form again offers
// the copy back ("恢复 / 丢弃"), with what differs; restoring only fills the form, the
// editor still saves, through the edit lock and the version check, since the copy's
// version goes back into the form with it. Leaving with unsaved changes asks first.
(function () {
  "use strict";
  const box = document.querySelector(".autosave");
  const form = box && box.closest("form");
  if (!form) return;

  const names = (box.dataset.fields || "").split(/\s+/).filter(Boolean);
  const quiet = Math.max(1, parseInt(box.dataset.quiet, 10) || 5) * 1000;
  // Typing without a pause is still saved at least this often.
  const LONGEST = 30000;
  // After a failed save, wait this long before trying again.
  const RETRY = 15000;
  // Browsers refuse keepalive requests (those that outlive the page) over 64 KB.
  const KEEPALIVE_LIMIT = 60000;
  const offerBox = box.querySelector(".autosave-offer");
  const status = box.querySelector(".autosave-status");
  const offerData = document.getElementById("autosave-offer");
  const offer = offerData ? JSON.parse(offerData.textContent) : null;

  let baseline = null;  // the form as the page brought it: unsaved changes differ from it
  let lastSent = null;  // what the server holds
  let lastSeen = null;
  let changedAt = 0;
  let pendingSince = 0;
  let retryAt = 0;
  let sending = false;
  let submitting = false;
  let waiting = false;  // the restore offer is open: a new copy would replace the old one
  // A form shown again after a refused save holds typed text that is not stored.
  const unsaved = box.dataset.unsaved === "1";

  function csrfToken() {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function versionInput() {
    return form.querySelector("input[name=_version]");
  }

  // The TinyMCE editor of a textarea, once it holds the content (rich-text-editor.js).
  function richEditor(el) {
    if (!window.tinymce || el.tagName !== "TEXTAREA" || !el.id) return null;
    const editor = window.tinymce.get(el.id);
    return editor && editor.initialized ? editor : null;
  }

  function field(name) {
    const el = form.elements.namedItem(name);
    if (!el || typeof el.type !== "string" || el.disabled || el.type === "file") return null;
    return el;
  }

  function defaultValue(el) {
    if (el.type === "checkbox") return el.defaultChecked;
    if (el.tagName === "SELECT") {
      const chosen = Array.prototype.find.call(el.options, function (o) { return o.defaultSelected; });
      return chosen ? chosen.value : (el.options.length ? el.options[0].value : "");
    }
    return el.defaultValue;
  }

  // The fields as an object: now, or (`initial`) as the page was served. The body's
  // initial value is the editor's, which rewrites the stored HTML in its own way.
  function values(initial) {
    const data = {};
    names.forEach(function (name) {
      const el = field(name);
      if (!el) return;
      const editor = richEditor(el);
      if (editor) data[name] = editor.getContent();
      else if (initial) data[name] = defaultValue(el);
      else data[name] = el.type === "checkbox" ? el.checked : el.value;
    });
    return data;
  }

  function snapshot() {
    return JSON.stringify(values(false));
  }

  function say(text, error) {
    status.textContent = text;
    status.classList.toggle("autosave-error", !!error);
  }

  function payload(s) {
    const input = versionInput();
    const version = input && /^\d+$/.test(input.value) ? parseInt(input.value, 10) : null;
    return '{"data":' + s + ',"version":' + JSON.stringify(version) + "}";
  }

  function request(url, body, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": csrfToken(),
        Accept: "application/json",
      },
      body: body,
    });
  }

  function send(s) {
    sending = true;
    request(box.dataset.url, payload(s), false)
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          return { response: response, data: data };
        });
      })
      .then(function (answer) {
        sending = false;
        const data = answer.data;
        if (answer.response.ok && data && data.saved) {
          lastSent = s;
          pendingSince = 0;
          say(data.label, false);
        } else if (data && data.error) {
          // Refused (too large, say): the same text would be refused again.
          lastSent = s;
          say(data.error, true);
        } else if (answer.response.redirected) {
          retryAt = Date.now() + RETRY;
          say("自动保存失败：登录已过期。请在新标签页重新登录，本页的内容仍在。", true);
        } else {
          retryAt = Date.now() + RETRY;
          say("自动保存失败（HTTP " + answer.response.status + "），稍后重试。", true);
        }
      }, function () {
        sending = false;
        retryAt = Date.now() + RETRY;
        say("自动保存失败：网络不通，稍后重试。本页的内容仍在。", true);
      });
  }

  // Every second: note a change, and send once the editor pauses (or has typed long).
  function tick() {
    if (submitting || waiting || sending) return;
    const now = Date.now();
    const s = snapshot();
    if (s !== lastSeen) {
      lastSeen = s;
      changedAt = now;
    }
    if (s === lastSent) {
      pendingSince = 0;
      return;
    }
    if (!pendingSince) pendingSince = now;
    if (now < retryAt) return;
    if (now - changedAt >= quiet || now - pendingSince >= LONGEST) send(s);
  }

  // The page is being hidden or left: send what is not yet on the server, in a
  // request that outlives the page. A copy too large for that went out with the
  // last periodic save, a few seconds ago at most.
  function leave() {
    if (submitting || waiting || baseline === null) return;
    const s = snapshot();
    if (s === lastSent) return;
    const body = payload(s);
    const small = new Blob([body]).size <= KEEPALIVE_LIMIT;
    request(box.dataset.url, body, small)
      .then(function (response) { if (response.ok) lastSent = s; })
      .catch(function () {});
  }

  // -- the restore offer -------------------------------------------------------------

  function labelFor(name) {
    const label = form.querySelector('label[for="id_' + name + '"]') ||
      form.querySelector('label[for="id_' + name.replace(/_\d+$/, "_0") + '"]');
    const text = label ? label.textContent.replace(/[:：]\s*$/, "").trim() : name;
    return /_1$/.test(name) ? text + "（时刻）" : text;
  }

  function readable(name, value) {
    const el = field(name);
    if (typeof value === "boolean") return value ? "是" : "否";
    if (el && el.tagName === "SELECT") {
      const option = Array.prototype.find.call(el.options, function (o) { return o.value === value; });
      return option ? option.textContent.trim() : value;
    }
    if (el && richEditor(el)) {
      // Parsed, never inserted: no picture loads and nothing runs.
      const doc = new DOMParser().parseFromString(value, "text/html");
      return (doc.body.textContent || "").replace(/\s+/g, " ").trim();
    }
    return String(value);
  }

  function clip(text, length, fromEnd) {
    if (text.length <= length) return text;
    return fromEnd ? "…" + text.slice(-length) : text.slice(0, length) + "…";
  }

  // One line per field that differs: around the first and last differing character,
  // what the form has now struck through and what the copy has underlined.
  function difference(name, saved, current) {
    const was = readable(name, current);
    const now = readable(name, saved);
    let start = 0;
    while (start < was.length && start < now.length && was[start] === now[start]) start++;
    let end = 0;
    while (
      end < was.length - start && end < now.length - start &&
      was[was.length - 1 - end] === now[now.length - 1 - end]
    ) end++;
    const li = document.createElement("li");
    const strong = document.createElement("strong");
    strong.textContent = labelFor(name) + "：";
    li.appendChild(strong);
    li.appendChild(document.createTextNode(clip(was.slice(0, start), 12, true)));
    const removed = was.slice(start, was.length - end);
    const added = now.slice(start, now.length - end);
    if (removed) {
      const del = document.createElement("del");
      del.textContent = clip(removed, 60, false);
      li.appendChild(del);
    }
    if (added) {
      const ins = document.createElement("ins");
      ins.textContent = clip(added, 60, false);
      li.appendChild(ins);
    }
    li.appendChild(document.createTextNode(clip(was.slice(was.length - end), 12, false)));
    if (!removed && !added) li.appendChild(document.createTextNode("（格式不同）"));
    return li;
  }

  function showOffer() {
    const current = values(false);
    const lines = names.filter(function (name) {
      return name in offer.data && name in current && offer.data[name] !== current[name];
    }).map(function (name) { return difference(name, offer.data[name], current[name]); });
    if (!lines.length) {
      discard();  // nothing in it that the form does not already hold
      return;
    }
    waiting = true;
    offerBox.querySelector(".autosave-offer-title").textContent =
      "发现 " + offer.saved_label + " 自动保存的未保存修改：恢复还是丢弃？";
    const list = offerBox.querySelector(".autosave-differences");
    lines.forEach(function (li) { list.appendChild(li); });
    if (offer.stale) {
      const stale = offerBox.querySelector(".autosave-stale");
      stale.textContent = "这份修改基于第 " + offer.based_on_version + " 版；之后文章又被保存过（现在是第 " +
        offer.current_version + " 版）。恢复后保存时，会显示保存冲突页供你对照，不会直接覆盖。";
      stale.hidden = false;
    }
    offerBox.hidden = false;
    say("恢复或丢弃之前，新的修改暂不自动保存。", false);
  }

  function restore() {
    names.forEach(function (name) {
      const el = field(name);
      if (!el || !(name in offer.data)) return;
      const value = offer.data[name];
      const editor = richEditor(el);
      if (el.type === "checkbox") el.checked = !!value;
      else if (editor) {
        editor.setContent(value);
        editor.save();
      } else el.value = value;
    });
    // The copy was typed on that version: a save is checked against it, as it would
    // have been from the page that made it.
    const input = versionInput();
    if (input && offer.based_on_version !== null) input.value = offer.based_on_version;
    waiting = false;
    offerBox.hidden = true;
    lastSent = lastSeen = snapshot();
    say("已恢复 " + offer.saved_label + " 自动保存的内容，尚未保存：检查后请点击保存。", false);
  }

  function discard() {
    waiting = false;
    offerBox.hidden = true;
    say("", false);
    request(box.dataset.discardUrl, "", false).catch(function () {});
  }

  // -- start, once the body editor has its content -----------------------------------

  function editorsReady() {
    if (!window.tinymce) return true;
    const areas = form.querySelectorAll("textarea[data-tinymce-config]");
    return Array.prototype.every.call(areas, function (area) {
      const editor = window.tinymce.get(area.id);
      return editor && editor.initialized;
    });
  }

  function start() {
    baseline = JSON.stringify(values(true));
    lastSeen = snapshot();
    lastSent = unsaved ? null : baseline;
    changedAt = Date.now();
    if (offer) showOffer();
    setInterval(tick, 1000);
  }

  let tries = 0;
  (function whenReady() {
    // The editor may fail to load (the textarea still works): start without it.
    if (editorsReady() || ++tries > 100) start();
    else setTimeout(whenReady, 100);
  })();

  offerBox.querySelector(".autosave-restore").addEventListener("click", restore);
  offerBox.querySelector(".autosave-discard").addEventListener("click", discard);

  form.addEventListener("submit", function (event) {
    // 预览 opens in a new tab and leaves this page as it is.
    if (event.submitter && event.submitter.formTarget === "_blank") return;
    submitting = true;
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave();
  });
  window.addEventListener("pagehide", leave);
  window.addEventListener("beforeunload", function (event) {
    if (submitting || baseline === null) return;
    if (!unsaved && snapshot() === baseline) return;
    event.preventDefault();
    event.returnValue = "";  // what older browsers need to ask
  });
})();
