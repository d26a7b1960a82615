// 快讯台 (templates/admin/articles/article/flash_desk.html): while the editor types, the
// securities the text names appear as chips, ticked; unticking one leaves it out, and
// the choice is kept as the text changes. Ctrl+Enter (⌘+Enter) publishes.
// Without this script the page's "识别证券" button shows the same chips.
(function () {
  "use strict";
  const form = document.querySelector("form.flash-form");
  if (!form) return;
  const text = form.querySelector("textarea[name=text]");
  const list = form.querySelector(".flash-stocks");
  const shown = form.querySelector("input[name=stocks_shown]");
  const unticked = new Set();
  let timer = null;
  let asked = 0;

  list.addEventListener("change", function (event) {
    const box = event.target;
    if (box.name !== "stocks") return;
    if (box.checked) unticked.delete(box.value);
    else unticked.add(box.value);
  });
  list.querySelectorAll("input[name=stocks]").forEach(function (box) {
    if (!box.checked) unticked.add(box.value);
  });

  function render(results) {
    list.replaceChildren();
    results.forEach(function (stock) {
      const item = document.createElement("li");
      const label = document.createElement("label");
      label.className = "flash-chip";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = "stocks";
      box.value = stock.symbol;
      box.checked = !unticked.has(stock.symbol);
      label.append(box, " " + stock.label);
      item.append(label);
      list.append(item);
    });
    shown.value = "1";
  }

  function refresh() {
    const mine = ++asked;
    const url = form.dataset.stocksUrl + "?text=" + encodeURIComponent(text.value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        // Only the answer to the latest question: typing fast must not show old chips.
        if (data && mine === asked) render(data.results);
      })
      .catch(function () {});
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.querySelector("input[name=publish]").click();
    }
  });
  if (text.value) refresh();
})();
