// Suggestions for the article form's 相关证券 field: the editor types codes or names
// separated by commas or spaces; the last token is looked up by code or name on
// the admin's stock-search endpoint, and picking a suggestion replaces that token
// with the security's market.code. A static file, no inline script (for the CSP).
(function () {
  "use strict";
  var SEPARATORS = /[\s,，、;；]+/;

  function lastToken(value) {
    var parts = value.split(SEPARATORS);
    return parts[parts.length - 1];
  }

  function init() {
    var input = document.getElementById("id_stock_codes");
    if (!input || !input.dataset.searchUrl) return;
    var wrap = document.createElement("span");
    wrap.className = "stock-codes-wrap";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.className = "stock-suggestions";
    list.id = "stock-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    wrap.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    var timer = null;
    var active = -1;
    var latest = 0;

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
    }

    function choose(symbol) {
      var value = input.value;
      var token = lastToken(value);
      input.value = value.slice(0, value.length - token.length) + symbol + ", ";
      close();
      input.focus();
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (li, i) {
        li.setAttribute("aria-selected", i === active ? "true" : "false");
      });
    }

    function show(results) {
      list.textContent = "";
      active = -1;
      results.forEach(function (stock) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.dataset.symbol = stock.symbol;
        li.textContent = stock.name || stock.symbol;
        var small = document.createElement("small");
        small.textContent = stock.symbol + " " + stock.exchange;
        li.appendChild(small);
        // mousedown, not click: it fires before the input's blur closes the list.
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(stock.symbol);
        });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var token = lastToken(input.value);
      if (!token) { close(); return; }
      timer = setTimeout(function () {
        var request = ++latest;
        fetch(input.dataset.searchUrl + "?q=" + encodeURIComponent(token), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { if (request === latest) show(data.results || []); })
          .catch(close);
      }, 200);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && active >= 0) {
        // Enter picks the suggestion instead of submitting the whole form.
        event.preventDefault();
        choose(list.querySelectorAll("li")[active].dataset.symbol);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.addEventListener("DOMContentLoaded", init);
})();
