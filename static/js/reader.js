// The article page's reader tools: 复制链接 and the body's font size (A− / A+),
// remembered in this browser. Progressive: without this script the buttons stay
// hidden and the page reads the same.
(function () {
  "use strict";

  var KEY = "newsroom-font-step";
  // Steps of the body's size, as html[data-font-step] (static/css/site.css); 0 is the default.
  var MIN = -1;
  var MAX = 3;
  var root = document.documentElement;

  function stored() {
    try {
      var value = parseInt(window.localStorage.getItem(KEY), 10);
      return isNaN(value) ? 0 : Math.max(MIN, Math.min(MAX, value));
    } catch (e) {
      return 0; // storage refused (private mode): the default size
    }
  }

  function apply(step) {
    if (step) {
      root.setAttribute("data-font-step", String(step));
    } else {
      root.removeAttribute("data-font-step");
    }
    document.querySelectorAll(".font-size button").forEach(function (b) {
      var delta = parseInt(b.getAttribute("data-font-step"), 10);
      b.disabled = (delta < 0 && step <= MIN) || (delta > 0 && step >= MAX);
    });
  }

  function setUpFontSize() {
    var group = document.querySelector(".font-size");
    if (!group) return;
    var step = stored();
    apply(step);
    group.hidden = false;
    group.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-font-step]");
      if (!button) return;
      step = Math.max(MIN, Math.min(MAX, step + parseInt(button.getAttribute("data-font-step"), 10)));
      apply(step);
      try {
        window.localStorage.setItem(KEY, String(step));
      } catch (e) {
        /* not remembered; this page still changes */
      }
    });
  }

  function setUpCopy() {
    document.querySelectorAll(".share-copy").forEach(function (button) {
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        var url = button.getAttribute("data-url");
        function done(text) {
          button.textContent = text;
          window.setTimeout(function () { button.textContent = label; }, 2000);
        }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(url).then(
            function () { done("已复制"); },
            function () { window.prompt("复制本文链接：", url); }
          );
        } else {
          // Plain http (no Clipboard API): let the reader copy it from a box.
          window.prompt("复制本文链接：", url);
        }
      });
    });
  }

  setUpFontSize();
  setUpCopy();
})();
