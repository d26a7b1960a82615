// 定时发布 and 通过并定时 (articles/admin/review.py): as the editor picks a time, say in
// words when the story will go live, in Beijing time whatever this computer's zone is,
// so the button is pressed knowing the moment. The server checks the time again.
(function () {
  "use strict";
  const BEIJING_OFFSET_HOURS = 8; // UTC+8, no daylight saving since 1991

  function parse(value) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!m) return null;
    return {
      year: +m[1], month: +m[2], day: +m[3], hour: m[4], minute: m[5],
      utc: Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] - BEIJING_OFFSET_HOURS, +m[5]),
    };
  }

  function sentence(value) {
    const t = parse(value);
    if (!t) return "请选择日期和时间（北京时间）";
    if (t.year < 1970 || t.year > 2099) return "发布时间须在 1970 至 2099 年之间";
    const when = t.year + "年" + t.month + "月" + t.day + "日 " + t.hour + ":" + t.minute + "（北京时间）";
    if (t.utc <= Date.now()) return when + " 已经过去，请选择将来的时间";
    return "将于 " + when + " 发布";
  }

  document.querySelectorAll(".schedule-control").forEach(function (control) {
    const input = control.querySelector("input.schedule-at");
    const out = control.querySelector(".schedule-when");
    if (!input || !out) return;
    function update() { out.textContent = sentence(input.value); }
    input.addEventListener("input", update);
    input.addEventListener("change", update);
    update();
  });
})();
