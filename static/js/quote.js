// A stock page's price and 涨跌幅 (templates/quotes/quote_box.html): fetched from our own
// /stock/<market>.<code>/quote.json, never from the provider, so the cached page stays
// cached and the reader's browser talks to no one else. Without this script, or while
// no quote is to be had, the box stays hidden and the page is whole without it.
(function () {
  "use strict";
  const box = document.querySelector(".quote[data-quote-url]");
  if (!box || !window.fetch) return;
  // The endpoint is kept 15 s everywhere; asking every 30 s while the page is in view
  // keeps the price current without a request from a tab in the background.
  const REFRESH_MS = 30000;
  const DIRECTIONS = ["up", "down", "flat"];

  function put(selector, text) {
    box.querySelector(selector).textContent = text;
  }

  function show(quote) {
    put(".quote-price", quote.price_text);
    put(".quote-change", quote.change_text);
    put(".quote-percent", quote.change_percent_text);
    put(".quote-time", quote.as_of_text ? "截至 " + quote.as_of_text + " · " : "");
    DIRECTIONS.forEach(function (d) { box.classList.toggle("quote-" + d, d === quote.direction); });
    box.hidden = false;
  }

  function load() {
    if (document.visibilityState === "hidden") return;
    fetch(box.dataset.quoteUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        // No quote now (the provider is away): keep the last one shown, or none.
        if (data && data.quote) show(data.quote);
      })
      .catch(function () {});
  }

  load();
  setInterval(load, REFRESH_MS);
  document.addEventListener("visibilitychange", load);
})();
