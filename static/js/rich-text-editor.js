// Start TinyMCE on every textarea that carries its configuration in data-tinymce-config
// (rendered by articles.editor.RichTextWidget). A static file rather than an inline
// script, so the admin works under a Content-Security-Policy of script-src 'self'.
(function () {
  "use strict";

  // Django's CSRF token: the form's hidden input, else the csrftoken cookie.
  function csrfToken(textarea) {
    var scope = textarea.form || document;
    var input = scope.querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input && input.value) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // TinyMCE's own uploader cannot send the CSRF header; this one does, and shows the
  // server's Chinese error message when it refuses the file.
  function uploadHandler(url, textarea) {
    return function (blobInfo, progress) {
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        xhr.open("POST", url);
        xhr.setRequestHeader("X-CSRFToken", csrfToken(textarea));
        xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        xhr.upload.onprogress = function (event) {
          if (event.lengthComputable) progress(event.loaded / event.total * 100);
        };
        xhr.onload = function () {
          var data = null;
          try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
          if (xhr.status >= 200 && xhr.status < 300 && data && data.location) {
            resolve(data.location);
            return;
          }
          var message = (data && data.error) || "图片上传失败（HTTP " + xhr.status + "），请重试。";
          reject({ message: message, remove: true });
        };
        xhr.onerror = function () {
          reject({ message: "图片上传失败：网络错误，请重试。", remove: true });
        };
        var form = new FormData();
        form.append("file", blobInfo.blob(), blobInfo.filename());
        xhr.send(form);
      });
    };
  }

  function start(textarea) {
    if (textarea.getAttribute("data-tinymce-started")) return;
    var config;
    try {
      config = JSON.parse(textarea.getAttribute("data-tinymce-config"));
    } catch (e) {
      console.warn("rich-text-editor: unreadable data-tinymce-config", e);
      return;
    }
    textarea.setAttribute("data-tinymce-started", "1");
    delete config.selector;
    config.target = textarea;
    if (config.images_upload_url) {
      config.images_upload_handler = uploadHandler(config.images_upload_url, textarea);
    }
    // Word marks every paragraph with its own classes (MsoNormal…); they mean nothing here.
    config.paste_postprocess = function (editor, args) {
      var marked = args.node.querySelectorAll("[class]");
      Array.prototype.forEach.call(marked, function (el) {
        var kept = el.className.split(/\s+/).filter(function (c) { return c && !/^Mso/.test(c); });
        if (kept.length) el.className = kept.join(" "); else el.removeAttribute("class");
      });
    };
    config.setup = function (editor) {
      // Keep the textarea current, so whatever reads it (the form, a test) sees the edit.
      editor.on("change input undo redo SetContent", function () { editor.save(); });
    };
    window.tinymce.init(config);
  }

  function startAll() {
    if (!window.tinymce) return;  // the editor's files failed to load: the textarea still works
    var areas = document.querySelectorAll("textarea[data-tinymce-config]");
    Array.prototype.forEach.call(areas, start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
