// medic serve UI: copy buttons, and live incident lists (server-sent events; the table is fetched again).
document.addEventListener("click", function (ev) {
  var button = ev.target.closest("button.copy");
  if (!button) return;
  var pre = document.getElementById(button.dataset.target);
  if (pre && navigator.clipboard) {
    navigator.clipboard.writeText(pre.textContent).then(function () { button.textContent = "copied"; });
  }
});
(function () {
  var table = document.getElementById("incidents-table");
  if (!table || !window.EventSource) return;
  var source = new EventSource("/ui/stream");
  source.addEventListener("incidents", function () {
    fetch(table.dataset.src, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { table.innerHTML = html; } });
  });
})();
