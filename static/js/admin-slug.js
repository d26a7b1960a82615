// Prefill the article slug from its title while the editor types. The server
// computes it (pinyin for Chinese), because Django's URLify drops Chinese.
(function () {
  "use strict";
  function init() {
    var title = document.getElementById("id_title");
    var slug = document.getElementById("id_slug");
    if (!title || !slug) return;
    var auto = slug.value === "";
    var timer = null;
    slug.addEventListener("input", function () { auto = slug.value === ""; });
    title.addEventListener("input", function () {
      if (!auto) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        // /admin/articles/article/add/ or …/<id>/change/ -> …/article/slug-preview/
        var path = window.location.pathname;
        var base = path.replace(/(add\/|[^\/]+\/change\/)$/, "");
        var editing = path.match(/\/(\d+)\/change\/$/);
        var url = base + "slug-preview/?title=" + encodeURIComponent(title.value) +
          (editing ? "&id=" + editing[1] : "");
        fetch(url, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data && auto) slug.value = data.slug; });
      }, 250);
    });
  }
  document.addEventListener("DOMContentLoaded", init);
})();
