// The article form's edit lock (articles/locks.py, templates/admin/articles/article/
// change_form.html): a heartbeat keeps it while the page is open, leaving the page
// lets it go, and if another editor takes it over ("仍要编辑") this page says so at
// once, so nobody types on believing they can save.
(function () {
  "use strict";
  const box = document.querySelector(".edit-lock");
  if (!box) return;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  const lost = box.querySelector(".edit-lock-lost");
  const seconds = Math.max(1, parseInt(box.dataset.heartbeat, 10) || 30);
  let held = !box.dataset.locked;

  function post(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
    });
  }

  function say(text) {
    lost.textContent = text;
    lost.hidden = false;
  }

  function beat() {
    post(box.dataset.lockUrl)
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (held && !data.held) {
          say(data.label + "：对方已接手编辑，你现在保存不会生效。请先复制你改过的文字，再刷新页面。");
          box.classList.add("edit-lock-taken");
        } else if (!held && data.held) {
          say("对方已离开，现在可以编辑了：请刷新页面。");
        }
        held = data.held;
      })
      .catch(function () {});
  }

  setInterval(beat, seconds * 1000);
  window.addEventListener("pagehide", function () {
    if (!held || !navigator.sendBeacon) return;
    const body = new FormData();
    if (token) body.append("csrfmiddlewaretoken", token.value);
    navigator.sendBeacon(box.dataset.releaseUrl, body);
  });
})();
