// The body editor's 图片库 button: a TinyMCE plugin that opens the library's picker
// (picker.js) and inserts the chosen picture as <img src alt width height>, with the alt
// text the library keeps, which the sanitizer keeps unchanged. TinyMCE loads this file
// itself (`external_plugins` in media_library.admin.forms.ArticleLibraryForm), from our
// static files; `media_library_url` in the same config is the picker's JSON.
(function () {
  "use strict";
  if (!window.tinymce) return;

  window.tinymce.PluginManager.add("medialibrary", function (editor) {
    editor.options.register("media_library_url", { processor: "string", default: "" });

    function insert(item) {
      var attrs = { src: item.src, alt: item.alt };
      if (item.width && item.height) {
        attrs.width = String(item.width);
        attrs.height = String(item.height);
      }
      editor.focus();
      // A paragraph of its own, as a news picture stands between paragraphs.
      editor.insertContent("<p>" + editor.dom.createHTML("img", attrs) + "</p>");
    }

    function openPicker() {
      var url = editor.options.get("media_library_url");
      if (!url || !window.NewsroomMediaPicker) {
        editor.notificationManager.open({ text: "图片库暂时打不开，请刷新页面后重试。", type: "error" });
        return;
      }
      window.NewsroomMediaPicker.open({ url: url, onChoose: insert });
    }

    editor.ui.registry.addButton("medialibrary", {
      icon: "gallery",
      text: "图片库",
      tooltip: "从图片库插入图片",
      onAction: openPicker,
    });
    editor.ui.registry.addMenuItem("medialibrary", {
      icon: "gallery",
      text: "从图片库插入图片",
      onAction: openPicker,
    });
    return { getMetadata: function () { return { name: "图片库" }; } };
  });
})();
