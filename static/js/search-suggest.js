// Suggestions as the reader types, under the header's search box and the search page's:
// securities, tags and 专题 from /search/suggest.json (search/views.py), each leading to
// its page. The ARIA combobox pattern: ↑/↓ move through the list, Enter opens the
// highlighted one, Esc closes the list, the input names the highlighted option in
// aria-activedescendant, and a status line tells screen readers how many there are.
// Enter with nothing highlighted submits the form as before: without this script (or
// before it answers) the plain search works the same.
//
// Asks after a pause in typing (not while a Chinese input method is composing), keeps
// each query's answer for the page's life, and drops answers that come back out of order.
// Data goes into the page as text (textContent), never as markup.
(function () {
  "use strict";
  const inputs = document.querySelectorAll("input[data-suggest-url]");
  const PAUSE_MS = 150;

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function attach(input) {
    const form = input.form;
    const listId = input.id + "-suggestions";
    const list = element("ul", "suggest-list");
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "搜索建议");
    list.hidden = true;
    const status = element("span", "visually-hidden");
    status.setAttribute("role", "status");
    form.classList.add("has-suggest");
    form.appendChild(list);
    form.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    const answers = new Map(); // query -> suggestions, for this page's life
    let items = [];
    let active = -1;
    let timer = null;
    let composing = false;
    let asked = "";

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function highlight(index) {
      const all = options();
      active = index;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      highlight(-1);
    }

    function open() {
      if (!items.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function go(index) {
      const item = items[index];
      if (item) window.location.assign(item.url);
    }

    function show(found) {
      items = found;
      list.textContent = "";
      found.forEach(function (item, i) {
        const option = element("li", "suggest-option suggest-" + item.kind);
        option.id = input.id + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.appendChild(element("span", "suggest-kind", item.kind_label));
        option.appendChild(element("span", "suggest-label", item.label));
        if (item.detail) option.appendChild(element("span", "suggest-detail", item.detail));
        // mousedown, not click: the input keeps its focus, so the list is still there.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          go(i);
        });
        list.appendChild(option);
      });
      status.textContent = found.length ? found.length + " 条建议，可用上下方向键选择" : "";
      highlight(-1);
      if (found.length) open();
      else close();
    }

    function ask() {
      const query = input.value.trim();
      asked = query;
      if (!query) {
        show([]);
        return;
      }
      if (answers.has(query)) {
        show(answers.get(query));
        return;
      }
      const url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(query);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data) return;
          answers.set(query, data.suggestions);
          // Only the answer to what the box holds now; an older one arriving late is kept, not shown.
          if (query === asked && document.activeElement === input) show(data.suggestions);
        })
        .catch(function () {
          // Offline or the site is away: the plain search still works.
        });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, PAUSE_MS);
    }

    input.addEventListener("input", function () {
      if (!composing) later();
    });
    input.addEventListener("compositionstart", function () {
      composing = true;
    });
    input.addEventListener("compositionend", function () {
      composing = false;
      later();
    });
    input.addEventListener("focus", function () {
      if (input.value.trim() && input.value.trim() === asked) open();
    });
    input.addEventListener("blur", close);

    input.addEventListener("keydown", function (event) {
      if (event.isComposing || composing) return;
      const count = items.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!count) return;
        event.preventDefault();
        if (list.hidden) {
          open();
          highlight(event.key === "ArrowDown" ? 0 : count - 1);
          return;
        }
        const step = event.key === "ArrowDown" ? 1 : -1;
        // Past either end: back to the text as typed (nothing highlighted).
        let next = active + step;
        if (next >= count || next < -1) next = -1;
        if (active === -1 && step === -1) next = count - 1;
        highlight(next);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          go(active);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          // Closes the list only; a second Esc clears the box as a search box does.
          event.preventDefault();
          close();
        }
      }
    });
  }

  inputs.forEach(function (input) {
    if (input.id && input.form) attach(input);
  });
})();
