// 7×24 that updates itself: the 7×24 page (page 1) and home's column and strip ask
// for the newest flashes (articles/live.py) every data-poll-seconds while the tab is
// visible, and when some are new show "有 N 条新快讯" at the top of the timeline; a tap
// inserts them in place, in the markup the server writes (flash_timeline.html, the
// strip in home.html), 加红 ones marked as there. Nothing moves under the reader's eyes
// until they ask. Without this script the pages are the same, as of when they were served.
//
// The asks are conditional: `cache: "no-cache"` makes the browser revalidate its copy
// with If-None-Match, and the page cache answers 304 until a flash is written.
// Data goes into the page as text (textContent), never as markup.
(function () {
  "use strict";
  const containers = document.querySelectorAll("[data-live-flashes][data-live-url]");
  if (!containers.length) return;

  const CHINA_OFFSET = 8 * 3600 * 1000;
  const WEEKDAYS = ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"];

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // The China-time fields of a moment, as the server writes them (times.js then says
  // them as a person does).
  function china(ms) {
    const d = new Date(ms + CHINA_OFFSET);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const date = d.getUTCDate();
    return {
      key: year + "-" + pad(month) + "-" + pad(date),
      date: year + "年" + month + "月" + date + "日",
      weekday: WEEKDAYS[d.getUTCDay()],
      clock: pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()),
    };
  }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function shownItems(container) {
    return container.querySelectorAll("[data-flash-id]");
  }

  // One flash as the server writes it for this kind of list.
  function renderItem(kind, flash) {
    const when = china(Date.parse(flash.published_at));
    const item = element("li", kind === "strip" ? "flash-strip-item" : "flash-item");
    if (flash.important) item.classList.add("flash-important");
    item.classList.add("flash-new");
    item.setAttribute("data-flash-id", String(flash.id));
    const time = element("time", "", kind === "strip" ? when.date + " " + when.clock : when.clock);
    time.setAttribute("datetime", flash.published_at);
    time.setAttribute("data-relative", kind === "strip" ? "" : "clock");
    const link = element("a");
    link.href = flash.url;
    if (flash.important) link.append(element("span", "flash-badge", "重要"));
    if (kind === "full") {
      link.append(element("strong", "", flash.title));
      if (flash.digest) link.append(element("span", "flash-digest", flash.digest));
    } else {
      link.append(flash.title);
    }
    item.append(time, " ", link);
    return item;
  }

  // The list of a China day in a timeline, made (in date order) when it is not there.
  function dayList(live, when) {
    const container = live.container;
    const found = container.querySelector('.flash-day[data-day="' + when.key + '"] .flash-items');
    if (found) return found;
    let timeline = container.querySelector(".flash");
    if (!timeline) {
      timeline = element("div", live.kind === "compact" ? "flash flash-compact" : "flash");
      live.region.after(timeline);
      const empty = container.querySelector(".empty");
      if (empty) empty.remove();
    }
    const section = element("section", "flash-day");
    section.setAttribute("data-day", when.key);
    section.setAttribute("aria-label", when.date);
    const heading = element("h3", "flash-date");
    const day = element("time", "", when.date + " " + when.weekday);
    day.setAttribute("datetime", when.key);
    day.setAttribute("data-relative-day", "");
    heading.append(day);
    const list = element("ol", "flash-items");
    section.append(heading, list);
    const later = Array.prototype.find.call(
      timeline.querySelectorAll(".flash-day[data-day]"),
      function (other) {
        return other.getAttribute("data-day") < when.key;
      },
    );
    timeline.insertBefore(section, later || null);
    return list;
  }

  // What the answer holds that the list does not: newer than its newest item and not
  // shown (an edit to an older flash is not news).
  function offer(live, flashes) {
    const shown = new Set();
    let newest = -Infinity;
    shownItems(live.container).forEach(function (item) {
      shown.add(item.getAttribute("data-flash-id"));
      const time = item.querySelector("time[datetime]");
      const ms = time ? Date.parse(time.getAttribute("datetime")) : NaN;
      if (ms > newest) newest = ms;
    });
    live.pending = flashes.filter(function (flash) {
      return (
        !shown.has(String(flash.id)) &&
        Date.parse(flash.published_at) >= newest &&
        // Our own pages' paths only: the link goes into an href.
        typeof flash.url === "string" &&
        flash.url.charAt(0) === "/" &&
        flash.url.charAt(1) !== "/"
      );
    });
    if (!live.pending.length) {
      live.button.remove();
      return;
    }
    live.button.textContent = "有 " + live.pending.length + " 条新快讯";
    if (!live.button.isConnected) live.region.append(live.button);
  }

  function insert(live) {
    const fresh = live.pending;
    live.pending = [];
    live.container.querySelectorAll(".flash-new").forEach(function (item) {
      item.classList.remove("flash-new");
    });
    const placed = [];
    // Oldest first, each to the top of its day: the newest ends on top.
    fresh
      .slice()
      .reverse()
      .forEach(function (flash) {
        const item = renderItem(live.kind, flash);
        const list =
          live.kind === "strip"
            ? live.container.querySelector(".flash-strip-items")
            : dayList(live, china(Date.parse(flash.published_at)));
        list.prepend(item);
        placed.push(item);
      });
    if (live.keep) {
      const items = shownItems(live.container);
      for (let n = items.length - 1; n >= live.keep; n--) items[n].remove();
      live.container.querySelectorAll(".flash-day").forEach(function (day) {
        if (!day.querySelector("[data-flash-id]")) day.remove();
      });
    }
    return placed.filter(function (item) {
      return item.isConnected;
    });
  }

  function setUp(container) {
    const live = {
      container: container,
      kind: container.getAttribute("data-live-flashes"),
      // Home's lists keep their length: the oldest make room (0: the 7×24 page grows).
      keep: parseInt(container.getAttribute("data-live-keep"), 10) || 0,
      pending: [],
    };
    // A polite live region, in the page from the start (so screen readers follow it),
    // at the top of the timeline; the button joins it only when there is news.
    live.region = element("div", "flash-announce");
    live.region.setAttribute("aria-live", "polite");
    live.button = element("button", "flash-new-button");
    live.button.type = "button";
    const list = container.querySelector(".flash-strip-items, .flash");
    if (list) list.before(live.region);
    else container.prepend(live.region);
    return live;
  }

  const byUrl = new Map();
  let seconds = Infinity;
  containers.forEach(function (container) {
    const url = container.getAttribute("data-live-url");
    if (!byUrl.has(url)) byUrl.set(url, []);
    byUrl.get(url).push(setUp(container));
    const asked = parseFloat(container.getAttribute("data-poll-seconds"));
    if (asked > 0) seconds = Math.min(seconds, asked);
  });
  const interval = (isFinite(seconds) ? Math.max(seconds, 1) : 30) * 1000;

  // A tap inserts the news in every list fed by the same answer (home's strip and
  // column, one of them hidden at any width), and moves focus to the first new flash.
  byUrl.forEach(function (lives) {
    lives.forEach(function (live) {
      live.button.addEventListener("click", function () {
        let first = null;
        lives.forEach(function (each) {
          const placed = insert(each);
          each.button.remove();
          if (each === live && placed.length) first = placed[placed.length - 1];
        });
        document.dispatchEvent(new CustomEvent("newsroom:updated"));
        const link = first && first.querySelector("a");
        if (link) link.focus();
      });
    });
  });

  function ask(url, lives) {
    return fetch(url, {
      cache: "no-cache",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data || !Array.isArray(data.flashes)) return;
        lives.forEach(function (live) {
          offer(live, data.flashes);
        });
      })
      .catch(function () {
        // Offline for a moment: the next ask tries again.
      });
  }

  let timer = null;
  let last = Date.now();
  function tick() {
    clearTimeout(timer);
    if (document.visibilityState === "visible") {
      last = Date.now();
      byUrl.forEach(function (lives, url) {
        ask(url, lives);
      });
    }
    timer = setTimeout(tick, interval);
  }
  timer = setTimeout(tick, interval);
  // Back on the tab after a while: ask now rather than at the next turn.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && Date.now() - last >= interval) tick();
  });
})();
