// rasad reader: keyboard shortcuts only; every page works without this.
// j / k: next / previous item, o or Enter: open it, /: search, ?: help.
(function () {
  "use strict";
  var items = function () { return Array.prototype.slice.call(document.querySelectorAll(".list > li")); };
  var at = -1;
  function select(i) {
    var all = items();
    if (!all.length) { return; }
    at = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (li, n) { li.classList.toggle("selected", n === at); });
    all[at].scrollIntoView({ block: "nearest" });
  }
  function help() {
    var h = document.getElementById("help");
    if (h) { h.hidden = !h.hidden; }
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) {
      if (e.key === "Escape") { t.blur(); }
      return;
    }
    if (e.key === "j") { select(at + 1); }
    else if (e.key === "k") { select(at - 1); }
    else if (e.key === "o" || e.key === "Enter") {
      var li = items()[at];
      var a = li && li.querySelector("a.title");
      if (a) { window.location.href = a.href; }
    } else if (e.key === "/") {
      var q = document.querySelector("input[name=q]");
      if (q) { e.preventDefault(); q.focus(); }
    } else if (e.key === "?") { help(); }
    else { return; }
  });
})();
