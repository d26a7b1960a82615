// Chip pickers for the article form's 相关证券 and 标签 fields.
//
// Progressive enhancement of two plain text fields: the field itself stays the box
// the editor types into and keeps its name, and what the form posts is still one
// line of text, built from the chips plus whatever is still typed (the form's
// "formdata" event), so the server's parsing and checks are the only rules and
// nothing typed is lost. Without this script the fields work as text.
//
// Keyboard: type to get suggestions (codes in any form, names, pinyin initials such as
// gzmt), ↑/↓ to move, Enter to pick (or to make a chip of what is typed), Backspace in
// an empty box removes the last chip, Esc closes the list. A static file, no inline
// script (the admin's CSP).
(function () {
  "use strict";

  // -- 相关证券: tokens as articles/stocks.py reads them ------------------------------

  // A code or name, optionally followed by a bracketed name: 09866（蔚来）.
  var STOCK_TOKEN = /([^\s,，、;；()（）]+)(?:\s*[（(]([^()（）]*)[)）])?|[()（）]/g;

  function stockTokens(text) {
    var tokens = [];
    var match;
    STOCK_TOKEN.lastIndex = 0;
    while ((match = STOCK_TOKEN.exec(text)) !== null) tokens.push(match[0]);
    return tokens;
  }

  // Everything before the last separator typed outside brackets is finished.
  function stockFinished(text) {
    var depth = 0;
    var cut = -1;
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (c === "（" || c === "(") depth++;
      else if ((c === "）" || c === ")") && depth > 0) depth--;
      else if (depth === 0 && ",，、;；".indexOf(c) >= 0) cut = i;
    }
    return cut < 0 ? null : { done: text.slice(0, cut), rest: text.slice(cut + 1) };
  }

  // The token being typed, to look up; none after a space (it is finished) or while a
  // name is written in brackets (a security not yet on file is being declared).
  function stockQuery(text) {
    if (/\s$/.test(text) || /[（(][^)）]*$/.test(text)) return "";
    var tokens = stockTokens(text);
    var last = tokens.length ? tokens[tokens.length - 1] : "";
    return /[（()）]/.test(last) ? "" : last;
  }

  var stocks = {
    split: stockTokens,
    finished: stockFinished,
    query: stockQuery,
    serialize: function (values) { return values.join(", "); },
    fromResult: function (stock) {
      return { value: stock.symbol, label: (stock.code + " " + stock.name).trim() };
    },
    optionText: function (stock) { return [stock.name || stock.code, stock.code + " " + stock.exchange]; },
    // A typed token is exact when it names this security in the form the editor used.
    exact: function (token, stock) {
      var t = token.toUpperCase();
      return t === stock.symbol.toUpperCase() || t === stock.code.toUpperCase() ||
        token === stock.name;
    },
    // A code typed as is (600519) is named on its chip once the lookup answers.
    nameTyped: true,
    autoSelectFirst: true,
  };

  // -- 标签: names as articles/tagging.py and taggit read them -------------------------

  var TAG_SEPARATORS = /[，、;；]/g;

  // taggit's rule: quotes keep a name whole; with no comma at all, spaces separate.
  function tagNames(text, spacesSeparate) {
    text = text.replace(TAG_SEPARATORS, ",").replace(/\u3000/g, " ");
    if (spacesSeparate && text.indexOf(",") < 0 && text.indexOf('"') < 0) {
      return text.split(/\s+/).filter(Boolean);
    }
    var names = [];
    var current = "";
    var quoted = false;
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (c === '"') quoted = !quoted;
      else if (c === "," && !quoted) { names.push(current); current = ""; }
      else current += c;
    }
    names.push(current);
    return names.map(function (n) { return n.trim(); }).filter(Boolean);
  }

  function tagFinished(text) {
    var quoted = false;
    var cut = -1;
    for (var i = 0; i < text.length; i++) {
      if (text[i] === '"') quoted = !quoted;
      else if (!quoted && ",，、;；".indexOf(text[i]) >= 0) cut = i;
    }
    return cut < 0 ? null : { done: text.slice(0, cut), rest: text.slice(cut + 1) };
  }

  var tags = {
    // A chip is one name, spaces and all ("AI 芯片"); the stored value, read when the
    // page opens, follows taggit's rule, as the server does.
    split: function (text) { return tagNames(text, false); },
    splitInitial: function (text) { return tagNames(text, true); },
    finished: tagFinished,
    query: function (text) { return text.trim(); },
    serialize: function (values) {
      // Quoted when it holds a space or comma, as taggit writes them, so "AI 芯片"
      // stays one tag; always comma-separated.
      return values.map(function (name) {
        return /[\s,]/.test(name) ? '"' + name.replace(/"/g, "") + '"' : name;
      }).join(", ");
    },
    fromResult: function (tag) { return { value: tag.name, label: tag.name }; },
    optionText: function (tag) { return [tag.name, ""]; },
    exact: function () { return false; },
    nameTyped: false,
    // A new tag is as common as an existing one: Enter keeps what was typed, ↓ picks.
    autoSelectFirst: false,
  };

  // -- the picker ----------------------------------------------------------------------

  var counter = 0;

  function Picker(input, rules, noun) {
    var id = "picker-" + (++counter);
    var labels = {};
    try { labels = JSON.parse(input.dataset.labels || "{}"); } catch (e) { labels = {}; }
    var chips = [];  // {value, label}
    var results = [];
    var active = -1;
    var timer = null;
    var latest = 0;

    var wrap = document.createElement("div");
    wrap.className = "picker";
    input.parentNode.insertBefore(wrap, input);
    var chipList = document.createElement("ul");
    chipList.className = "picker-chips";
    chipList.setAttribute("aria-label", "已选" + noun);
    wrap.appendChild(chipList);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.className = "picker-suggestions";
    list.id = id + "-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", noun + "建议");
    list.hidden = true;
    wrap.appendChild(list);
    input.classList.add("picker-input");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    wrap.addEventListener("click", function (event) {
      if (event.target === wrap || event.target === chipList) input.focus();
    });

    function values() { return chips.map(function (c) { return c.value; }); }

    function renderChips() {
      chipList.textContent = "";
      chips.forEach(function (chip, index) {
        var li = document.createElement("li");
        li.className = "picker-chip";
        li.dataset.value = chip.value;
        var text = document.createElement("span");
        text.textContent = chip.label;
        li.appendChild(text);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "picker-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "移除 " + chip.label);
        // No focus change on mousedown: the box's blur would turn what is typed into
        // chips and redraw them under the pointer, losing the click.
        remove.addEventListener("mousedown", function (event) { event.preventDefault(); });
        remove.addEventListener("click", function () {
          chips.splice(index, 1);
          renderChips();
          input.focus();
        });
        li.appendChild(remove);
        chipList.appendChild(li);
      });
    }

    function addChip(chip) {
      var taken = chips.some(function (c) { return c.value.toLowerCase() === chip.value.toLowerCase(); });
      if (!taken) chips.push(chip);
    }

    function chipOf(value) {
      return { value: value, label: labels[value] || value };
    }

    // Make chips of typed text; each lacking a name is looked up once to show one.
    function commit(text) {
      rules.split(text).forEach(function (value) {
        var chip = chipOf(value);
        addChip(chip);
        if (chip.label === value && rules.nameTyped && !/[（(]/.test(value)) nameChip(chip);
      });
      renderChips();
    }

    function nameChip(chip) {
      search(chip.value, function (found) {
        for (var i = 0; i < found.length; i++) {
          if (rules.exact(chip.value, found[i])) {
            chip.label = rules.fromResult(found[i]).label;
            renderChips();
            return;
          }
        }
      });
    }

    function search(query, then) {
      return fetch(input.dataset.searchUrl + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { then(data.results || []); })
        .catch(function () { then([]); });
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      results = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    function choose(result) {
      var chip = rules.fromResult(result);
      labels[chip.value] = chip.label;
      // What was typed before the looked-up token is kept as chips of its own.
      var text = input.value;
      var query = rules.query(text);
      commit(text.slice(0, text.lastIndexOf(query)));
      addChip(chip);
      renderChips();
      input.value = "";
      close();
      input.focus();
    }

    function show(found) {
      close();
      results = found;
      found.forEach(function (result, index) {
        var li = document.createElement("li");
        li.id = id + "-option-" + index;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var parts = rules.optionText(result);
        li.textContent = parts[0];
        if (parts[1]) {
          var small = document.createElement("small");
          small.textContent = parts[1];
          li.appendChild(small);
        }
        // mousedown, not click: it fires before the input's blur closes the list.
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(result);
        });
        list.appendChild(li);
      });
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      if (found.length && rules.autoSelectFirst) highlight(0);
    }

    input.addEventListener("input", function () {
      var finished = rules.finished(input.value);
      if (finished) {
        commit(finished.done);
        input.value = finished.rest.replace(/^\s+/, "");
      }
      clearTimeout(timer);
      var query = rules.query(input.value);
      if (!query) { close(); return; }
      timer = setTimeout(function () {
        var request = ++latest;
        search(query, function (found) {
          if (request === latest && document.activeElement === input) show(found);
        });
      }, 150);
    });

    input.addEventListener("keydown", function (event) {
      if (event.isComposing) return;  // the input method is still choosing characters
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) return;
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          // Enter picks the suggestion instead of submitting the whole form.
          event.preventDefault();
          choose(results[active]);
        } else if (input.value.trim()) {
          event.preventDefault();
          commit(input.value);
          input.value = "";
          close();
        }
      } else if (event.key === "Backspace" && input.value === "" && chips.length) {
        event.preventDefault();
        chips.pop();
        renderChips();
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });

    input.addEventListener("blur", function () {
      clearTimeout(timer);
      latest++;
      close();
      if (input.value.trim()) {
        commit(input.value);
        input.value = "";
      }
    });

    // The one value the server reads: the chips, then whatever is still typed.
    if (input.form) {
      input.form.addEventListener("formdata", function (event) {
        var all = values().concat(rules.split(input.value));
        event.formData.set(input.name, rules.serialize(all));
      });
    }

    (rules.splitInitial || rules.split)(input.value).forEach(function (value) {
      addChip(chipOf(value));
    });
    input.value = "";
    renderChips();
  }

  function init() {
    var stockInput = document.getElementById("id_stock_codes");
    if (stockInput && stockInput.dataset.searchUrl && !stockInput.disabled) {
      new Picker(stockInput, stocks, "证券");
    }
    var tagInput = document.getElementById("id_tags");
    if (tagInput && tagInput.dataset.searchUrl && !tagInput.disabled) {
      new Picker(tagInput, tags, "标签");
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
