// 图片库 picker: a dialog listing the library's pictures (searchable, paginated) from the
// admin's JSON (media_library.admin.library.picker_view). Two users:
// - the article form: "从图片库选择" beside the cover writes the chosen id into the hidden
//   cover_library_image and fills an empty 封面图说明 with the picture's alt text;
// - the body editor's 图片库 button (tinymce-library.js) inserts the picture with its alt text.
// A picture without alt text asks for it once, and the library keeps it for next time.
// A static file, no inline script (the admin's CSP is script-src 'self'). Without
// JavaScript there is no button and the cover is uploaded as before.
(function () {
  "use strict";

  var dialog = null;
  var refs = {};
  var state = { url: "", query: "", page: 1, onChoose: null };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input && input.value) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // JSON from our admin, or an Error carrying the server's Chinese message.
  function getJson(response) {
    return response.json().catch(function () {
      throw new Error("服务器返回了无法读取的内容（HTTP " + response.status + "），请刷新页面后重试。");
    }).then(function (data) {
      if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
      return data;
    });
  }

  function build() {
    dialog = el("dialog", { "class": "media-picker", "aria-labelledby": "media-picker-title" });
    var head = el("div", { "class": "media-picker-head" });
    head.appendChild(el("h2", { id: "media-picker-title" }, "从图片库选择"));
    var close = el("button", { type: "button", "class": "media-picker-close", "aria-label": "关闭" }, "×");
    close.addEventListener("click", function () { dialog.close(); });
    head.appendChild(close);

    // A form of its own, outside the article's form (the dialog hangs off <body>).
    var search = el("form", { "class": "media-picker-search", role: "search" });
    refs.input = el("input", { type: "search", name: "q", placeholder: "按替代文字或文件名搜索",
      "aria-label": "搜索图片库", autocomplete: "off" });
    search.appendChild(refs.input);
    search.appendChild(el("button", { type: "submit", "class": "button" }, "搜索"));
    search.addEventListener("submit", function (event) {
      event.preventDefault();
      load(refs.input.value, 1);
    });

    refs.status = el("p", { "class": "media-picker-status", role: "status", "aria-live": "polite" });
    refs.grid = el("ul", { "class": "media-picker-grid" });
    var pager = refs.pager = el("div", { "class": "media-picker-pager" });
    refs.prev = el("button", { type: "button", "class": "button" }, "上一页");
    refs.next = el("button", { type: "button", "class": "button" }, "下一页");
    refs.where = el("span");
    refs.prev.addEventListener("click", function () { load(state.query, state.page - 1); });
    refs.next.addEventListener("click", function () { load(state.query, state.page + 1); });
    pager.appendChild(refs.prev);
    pager.appendChild(refs.where);
    pager.appendChild(refs.next);

    [head, search, refs.status, refs.grid, pager].forEach(function (part) { dialog.appendChild(part); });
    document.body.appendChild(dialog);
  }

  function load(query, page) {
    state.query = query;
    state.page = page;
    refs.status.textContent = "正在加载…";
    var url = state.url + (state.url.indexOf("?") < 0 ? "?" : "&") +
      "q=" + encodeURIComponent(query) + "&page=" + page;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(getJson)
      .then(render)
      .catch(function (error) { refs.status.textContent = "图片库加载失败：" + error.message; });
  }

  function render(data) {
    refs.grid.textContent = "";
    state.page = data.page;
    if (data.count) {
      refs.status.textContent = "共 " + data.count + " 张图片" +
        (state.query ? "（搜索“" + state.query + "”）" : "") + "。点一张图片即可选用。";
    } else {
      refs.status.textContent = state.query
        ? "没有找到与“" + state.query + "”相符的图片。"
        : "图片库还是空的：请先在后台“图片库”里上传图片。";
    }
    data.results.forEach(function (item) {
      var li = el("li", { "class": "media-picker-item" });
      var button = el("button", { type: "button", "class": "media-picker-choose", "data-id": item.id });
      // The picture is described by the text beside it, so the thumbnail itself is silent.
      button.appendChild(el("img", { src: item.thumb, alt: "", loading: "lazy" }));
      button.appendChild(el("span", item.alt ? null : { "class": "media-picker-missing" },
        item.alt || "缺少替代文字：" + item.name));
      button.addEventListener("click", function () { pick(item, li); });
      li.appendChild(button);
      refs.grid.appendChild(li);
    });
    refs.prev.disabled = data.page <= 1;
    refs.next.disabled = data.page >= data.pages;
    refs.where.textContent = "第 " + data.page + " / " + data.pages + " 页";
    refs.pager.hidden = data.pages <= 1;
  }

  function pick(item, li) {
    if (item.alt) {
      choose(item);
      return;
    }
    if (li.querySelector(".media-picker-alt-form")) return;
    if (!item.alt_url) {
      li.appendChild(el("p", { "class": "media-picker-error" },
        "这张图片还没有替代文字，请编辑先在图片库里补上。"));
      return;
    }
    // Asked once: the library keeps the text for every later use.
    var form = el("form", { "class": "media-picker-alt-form" });
    var id = "media-picker-alt-" + item.id;
    form.appendChild(el("label", { "for": id }, "这张图片还没有替代文字，请填写（只需一次）："));
    var input = el("input", { type: "text", id: id, maxlength: "200", required: "required" });
    var error = el("p", { "class": "media-picker-error", role: "alert" });
    form.appendChild(input);
    form.appendChild(el("button", { type: "submit", "class": "button" }, "保存并使用"));
    form.appendChild(error);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new FormData();
      body.append("alt", input.value);
      fetch(item.alt_url, { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } })
        .then(getJson)
        .then(choose)
        .catch(function (err) { error.textContent = err.message; });
    });
    li.appendChild(form);
    input.focus();
  }

  function choose(item) {
    dialog.close();
    if (state.onChoose) state.onChoose(item);
  }

  // options: {url: the picker JSON's URL, onChoose: function (item)}; an item has
  // id, alt, name, thumb, and the src, width and height an <img> of it gets.
  function open(options) {
    if (!dialog) build();
    state.url = options.url;
    state.onChoose = options.onChoose;
    refs.input.value = "";
    refs.grid.textContent = "";
    dialog.showModal();
    refs.input.focus();
    load("", 1);
  }

  window.NewsroomMediaPicker = { open: open };

  // --- The article form's cover -------------------------------------------------------

  function wireCover() {
    var hidden = document.querySelector("input[name=cover_library_image][data-picker-url]");
    var file = document.getElementById("id_cover");
    if (!hidden || !file) return;
    var alt = document.getElementById("id_cover_alt");
    var box = el("div", { "class": "media-picker-cover" });
    var button = el("button", { type: "button", "class": "button media-picker-open" }, "从图片库选择");
    var chosen = el("span", { "class": "media-picker-chosen", role: "status", "aria-live": "polite" });
    box.appendChild(button);
    box.appendChild(chosen);
    file.insertAdjacentElement("afterend", box);

    function show(item) {
      chosen.textContent = "";
      chosen.appendChild(el("img", { src: item.thumb, alt: "" }));
      chosen.appendChild(document.createTextNode(
        "已选择图片库中的“" + (item.alt || item.name || "") + "”，保存后成为封面。"));
    }

    button.addEventListener("click", function () {
      open({
        url: hidden.getAttribute("data-picker-url"),
        onChoose: function (item) {
          hidden.value = item.id;
          file.value = "";  // the library's picture, not a file chosen before
          if (alt && !alt.value.trim()) alt.value = item.alt;
          show(item);
        },
      });
    });
    // A file chosen afterwards is the editor's latest word (the server agrees).
    file.addEventListener("change", function () {
      if (!file.value) return;
      hidden.value = "";
      chosen.textContent = "";
    });
    if (hidden.value && hidden.getAttribute("data-chosen-thumb")) {
      show({ thumb: hidden.getAttribute("data-chosen-thumb"), alt: hidden.getAttribute("data-chosen-alt") });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wireCover);
  } else {
    wireCover();
  }
})();
