/* Times as a person says them: "刚刚", "5 分钟前", "今天 14:05", "昨天 09:30".

   The server writes every time in full, with the year ("2026年12月3日 14:05"), because
   a cached page is served for minutes and "今天" would turn false at midnight. This
   script rewrites, in China time (UTC+8, whatever the reader's own time zone):

   - <time data-relative datetime="…">: 刚刚 (under a minute), N 分钟前 (under an
     hour), 今天 HH:MM, 昨天 HH:MM, else the full date with the year;
   - <time data-relative="clock" datetime="…">, an item under a day header: 刚刚,
     N 分钟前, else HH:MM (the header says the day);
   - <time data-relative-day datetime="YYYY-MM-DD">, a 7×24 day header:
     "今天 · 12月3日 星期四", "昨天 · …", else the full date with the year.

   Every minute, when the tab comes back, and when live-flashes.js inserts items
   (the "newsroom:updated" event). The datetime attribute is never changed. */
(function () {
  "use strict";

  const CHINA_OFFSET = 8 * 3600 * 1000;
  const DAY = 24 * 3600 * 1000;
  const WEEKDAYS = ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"];

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // The China-time calendar fields of a moment (milliseconds since 1970).
  function china(ms) {
    const shifted = new Date(ms + CHINA_OFFSET);
    return {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      date: shifted.getUTCDate(),
      weekday: shifted.getUTCDay(),
      clock: pad(shifted.getUTCHours()) + ":" + pad(shifted.getUTCMinutes()),
      day: Math.floor((ms + CHINA_OFFSET) / DAY)
    };
  }

  function fullDate(c) {
    return c.year + "年" + c.month + "月" + c.date + "日";
  }

  function sayMoment(ms, now, clockOnly) {
    const ago = now - ms;
    // A minute either way: the reader's clock may be a little ahead of ours.
    if (ago > -60000 && ago < 60000) return "刚刚";
    if (ago >= 60000 && ago < 3600000) return Math.floor(ago / 60000) + " 分钟前";
    const c = china(ms);
    if (clockOnly) return c.clock;
    const today = china(now).day;
    if (c.day === today) return "今天 " + c.clock;
    if (c.day === today - 1) return "昨天 " + c.clock;
    return fullDate(c) + " " + c.clock;
  }

  function sayDay(value, now) {
    const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!parts) return null;
    const ms = Date.UTC(+parts[1], +parts[2] - 1, +parts[3]) - CHINA_OFFSET;
    const c = china(ms);
    const named = c.month + "月" + c.date + "日 " + WEEKDAYS[c.weekday];
    const today = china(now).day;
    if (c.day === today) return "今天 · " + named;
    if (c.day === today - 1) return "昨天 · " + named;
    return c.year + "年" + named;
  }

  function refresh() {
    const now = Date.now();
    document.querySelectorAll("time[data-relative][datetime]").forEach(function (el) {
      const ms = Date.parse(el.getAttribute("datetime"));
      if (isNaN(ms)) return;
      const text = sayMoment(ms, now, el.getAttribute("data-relative") === "clock");
      if (el.textContent !== text) el.textContent = text;
      if (!el.title) {
        const c = china(ms);
        el.title = fullDate(c) + " " + c.clock;
      }
    });
    document.querySelectorAll("time[data-relative-day][datetime]").forEach(function (el) {
      const said = sayDay(el.getAttribute("datetime"), now);
      if (said && el.textContent !== said) el.textContent = said;
    });
  }

  refresh();
  setInterval(refresh, 60000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
  document.addEventListener("newsroom:updated", refresh);
})();
