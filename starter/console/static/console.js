// The console's few lines of script: after htmx swaps rows in, nothing else to do; this file
// keeps a form from being sent twice by a double click (the desk would refuse the second).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.sent === "1") { event.preventDefault(); return; }
  form.dataset.sent = "1";
  window.setTimeout(function () { form.dataset.sent = ""; }, 5000);
});
