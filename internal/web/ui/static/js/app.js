// Small behaviours the pages share. Everything is attached by data
// attributes, so pages need no inline scripts (the CSP forbids them).
document.addEventListener("click", function (e) {
  var btn = e.target.closest("[data-copy]");
  if (!btn) return;
  var input = document.querySelector(btn.dataset.copy);
  if (!input) return;
  input.select();
  var done = function () {
    btn.innerHTML = '<i class="bi bi-check-lg"></i> Copied';
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done);
  } else {
    document.execCommand("copy");
    done();
  }
});

document.addEventListener("submit", function (e) {
  var msg = e.target.dataset && e.target.dataset.confirm;
  if (msg && !window.confirm(msg)) e.preventDefault();
});

// A button Telegram does not allow yet (e.g. "Resend code" before the
// code's timeout) is enabled when its time comes, without a reload.
document.querySelectorAll("[data-enable-at]").forEach(function (el) {
  var wait = Date.parse(el.dataset.enableAt) - Date.now();
  var enable = function () {
    el.disabled = false;
    var note = el.dataset.enableHide && document.querySelector(el.dataset.enableHide);
    if (note) note.remove();
  };
  if (!(wait > 0)) enable();
  else setTimeout(enable, Math.min(wait, 2147483647));
});
