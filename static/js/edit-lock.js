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
  const retry = Math.min(seconds, Math.max(1, parseInt(box.dataset.retry, 10) || 5));
  // A page opened while someone else held the lock only watches: it cannot save, so its
  // heartbeat never takes the lock (a reload does), and leaving it frees nothing. Else
  // the page left by 仍要编辑 could take the lock back just before it goes, and free it
  // under the page 仍要编辑 opened.
  const watching = !!box.dataset.locked;
  let held = !watching;
  // When this page last kept the lock: leaving sends it back, so a page left for the
  // same form (仍要编辑, 保存并继续编辑) does not free the lock the new page just took.
  let stamp = box.dataset.stamp || "";
  let unsure = false;

  function post(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
      body: new URLSearchParams(watching ? { watch: "1" } : {}),
    });
  }

  function say(text) {
    lost.textContent = text;
    lost.hidden = false;
  }

  function answer(data) {
    if (unsure) {
      unsure = false;
      lost.hidden = true;
    }
    if (held && !data.held) {
      say(data.label + "：对方已接手编辑，你现在保存不会生效。请先复制你改过的文字，再刷新页面。");
      box.classList.add("edit-lock-taken");
    } else if (!held && data.held) {
      say("对方已离开，现在可以编辑了：请刷新页面。");
    }
    held = data.held;
    stamp = data.stamp || "";
  }

  // A failed heartbeat (network, a server restart, a login page instead of JSON) is
  // said, not swallowed, and asked again soon: the editor must learn a take-over.
  function failed() {
    if (!unsure && lost.hidden) {
      unsure = true;
      say("暂时无法确认你是否仍在编辑（网络或服务器没有回应），正在重试……");
    }
  }

  function beat() {
    post(box.dataset.lockUrl)
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        answer(data);
        setTimeout(beat, seconds * 1000);
      })
      .catch(function () {
        failed();
        setTimeout(beat, retry * 1000);
      });
  }

  setTimeout(beat, seconds * 1000);
  window.addEventListener("pagehide", function () {
    if (watching || !held || !navigator.sendBeacon) return;
    const body = new FormData();
    if (token) body.append("csrfmiddlewaretoken", token.value);
    body.append("stamp", stamp);
    navigator.sendBeacon(box.dataset.releaseUrl, body);
  });
})();
