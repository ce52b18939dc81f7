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

// Accessibility the templates share, attached here so every form and
// every live part gets it without each template repeating it.

// A field shown invalid is marked so (aria-invalid) and described by its
// message and hint, so a screen reader reads why when the field has focus
// (WCAG 3.3.1, 1.3.1).
document.querySelectorAll(".form-control, .form-select, .form-check-input").forEach(function (field) {
  if (!field.id) return;
  var box = field.closest(".mb-3, .mb-4, .form-check, .col, [class*='col-'], form") || field.parentElement;
  var ids = [];
  box.querySelectorAll(".invalid-feedback, .form-text").forEach(function (note, i) {
    if (note.closest(".form-control, .form-select, .form-check-input") === field) return;
    if (!note.id) note.id = field.id + "-note-" + i;
    ids.push(note.id);
  });
  if (field.classList.contains("is-invalid")) field.setAttribute("aria-invalid", "true");
  if (ids.length) {
    var had = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (had ? had + " " : "") + ids.join(" "));
  }
});

// The server names one field's error in the summary; a form that checks
// every field at once (connect) marks more of them, and the summary lists
// each, so none is missed.
(function () {
  var summary = document.getElementById("error-summary");
  var first = summary && summary.querySelector("a[data-field]");
  if (!first) return;
  var list = document.createElement("ul");
  list.className = "mb-0 mt-1 ps-3";
  document.querySelectorAll(".is-invalid[name]").forEach(function (f) {
    var note = f.parentElement.querySelector(".invalid-feedback");
    if (!note) return;
    var a = document.createElement("a");
    a.className = "alert-link";
    a.dataset.field = f.name;
    a.textContent = note.firstChild ? note.firstChild.textContent.trim() : note.textContent.trim();
    var li = document.createElement("li");
    li.appendChild(a);
    list.appendChild(li);
  });
  if (list.children.length > 1) first.replaceWith(list);
})();

// The error summary links to its field by the field's name when no
// element carries it as id.
document.querySelectorAll("#error-summary a[data-field]").forEach(function (a) {
  var f = document.getElementById(a.dataset.field) || document.querySelector('[name="' + a.dataset.field + '"]');
  if (!f) return;
  if (!f.id) f.id = "field-" + a.dataset.field;
  a.href = "#" + f.id;
  a.addEventListener("click", function (e) {
    e.preventDefault();
    f.focus();
    // Enter activates a link on keydown; its keypress would then reach the
    // field just focused and send the form again. The guard lasts for the
    // field's next keypress only (a slow machine may deliver it late).
    var swallow = function (k) { if (k.key === "Enter") k.preventDefault(); };
    f.addEventListener("keypress", swallow, { once: true });
    f.addEventListener("blur", function () { f.removeEventListener("keypress", swallow); }, { once: true });
  });
});

// After a round trip to the server (a form sent, a button pressed) focus
// goes to what the server said, not to the top of the page (WCAG 2.4.3).
(function () {
  var said = document.querySelector("#error-summary, #page-error, #flash");
  if (!said) return;
  if (!said.hasAttribute("tabindex")) said.setAttribute("tabindex", "-1");
  said.focus();
})();

// A table wider than the screen scrolls sideways; a keyboard can only
// scroll what can take focus, so such a region becomes focusable and
// named (WCAG 2.1.1).
function scrollRegions() {
  document.querySelectorAll(".table-responsive").forEach(function (box) {
    var wide = box.scrollWidth > box.clientWidth;
    if (wide && !box.hasAttribute("tabindex")) {
      var table = box.querySelector("table");
      var name = table && (table.getAttribute("aria-label") || (table.caption && table.caption.textContent));
      if (!name) {
        var card = box.closest(".card");
        var head = card && card.querySelector(".card-header, h2, h3");
        name = head ? head.textContent.trim() : "Table";
      }
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name + " (scrolls sideways)");
    } else if (!wide && box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
    scrollHint(box, wide);
  });
}

// A wide table says so above it, and fades the side that hides more
// columns, so a phone's reader knows to swipe (the region's name already
// says it to a screen reader, hence aria-hidden).
function scrollHint(box, wide) {
  var hint = box.previousElementSibling;
  if (!hint || !hint.classList.contains("scroll-hint")) hint = null;
  if (wide && !hint) {
    hint = document.createElement("div");
    hint.className = "scroll-hint";
    hint.setAttribute("aria-hidden", "true");
    hint.innerHTML = '<i class="bi bi-arrow-left-right"></i> Swipe sideways for more columns';
    box.parentNode.insertBefore(hint, box);
  } else if (!wide && hint) {
    hint.remove();
  }
  var edges = function () {
    var more = box.scrollWidth - box.clientWidth;
    box.classList.toggle("scrolls-left", wide && box.scrollLeft > 1);
    box.classList.toggle("scrolls-right", wide && box.scrollLeft < more - 1);
  };
  edges();
  if (!box.dataset.scrollHint) {
    box.dataset.scrollHint = "on";
    box.addEventListener("scroll", edges, { passive: true });
  }
}
scrollRegions();
window.addEventListener("resize", scrollRegions);
document.body.addEventListener("htmx:afterSettle", scrollRegions);

// Live parts (server-sent events) say what changed through one polite
// live region, once per change of the part's data-announce: milestones
// and state changes, not every update (WCAG 4.1.3).
(function () {
  var region = document.getElementById("live-announcer");
  if (!region) return;
  var said = {};
  var text = function (slot) {
    var e = slot.querySelector("[data-announce]");
    return e ? e.dataset.announce : "";
  };
  document.querySelectorAll("[sse-swap]").forEach(function (slot) { said[slot.id] = text(slot); });
  document.body.addEventListener("htmx:afterSettle", function (e) {
    var slot = e.target.closest && e.target.closest("[sse-swap]");
    if (!slot) return;
    var now = text(slot);
    if (!now || now === said[slot.id]) return;
    said[slot.id] = now;
    region.textContent = now;
    scrollRegions();
  });
})();

// A secret the server never sends back (the API Hash) would be emptied by
// every error; the tab keeps what was typed for the one round trip, so a
// mistake elsewhere does not mean pasting it again (WCAG 3.3.1). It is
// removed as soon as the next page has read it.
(function () {
  var key = function (f) { return "typed:" + f.form.getAttribute("action") + ":" + f.name; };
  document.querySelectorAll("input[data-keep-typed]").forEach(function (f) {
    var k = key(f);
    var v = sessionStorage.getItem(k);
    sessionStorage.removeItem(k);
    var refused = document.querySelector("#error-summary, #page-error");
    if (v && refused && !f.value) f.value = v;
    f.form.addEventListener("submit", function () { if (f.value) sessionStorage.setItem(k, f.value); });
  });
  // Any other page: nothing typed is kept.
  if (!document.querySelector("input[data-keep-typed]")) {
    for (var i = sessionStorage.length - 1; i >= 0; i--) {
      var k = sessionStorage.key(i);
      if (k && k.indexOf("typed:") === 0) sessionStorage.removeItem(k);
    }
  }
})();

// Enter in a picker's search field searches (as typing does) instead of
// submitting the form around it: without this the form's first submit
// button (the picker's own Find, for pages without JavaScript) would run.
document.addEventListener("keydown", function (e) {
  if (e.key !== "Enter" || !e.target.matches || !e.target.matches("[data-picker-search]")) return;
  e.preventDefault();
  if (window.htmx) window.htmx.trigger(e.target, "search");
});

// A live part refreshed while a person is choosing or typing in it keeps
// what they chose: a morph sets every select and field back to the
// server's values, so an assignee picked a moment before the part
// refreshed was lost and Assign sent "Unassigned".
(function () {
  var kept = new WeakMap();
  function unsent(root) {
    var out = [];
    root.querySelectorAll("select[id], input[id]:not([type=hidden]), textarea[id]").forEach(function (f) {
      var dirty;
      if (f.tagName === "SELECT") {
        dirty = Array.prototype.some.call(f.options, function (o) { return o.selected !== o.defaultSelected; });
      } else if (f.type === "checkbox" || f.type === "radio") {
        dirty = f.checked !== f.defaultChecked;
      } else {
        dirty = f.value !== f.defaultValue;
      }
      if (dirty) out.push({ id: f.id, value: f.value, checked: f.checked });
    });
    return out;
  }
  document.addEventListener("htmx:sseBeforeMessage", function (e) { kept.set(e.target, unsent(e.target)); });
  document.addEventListener("htmx:sseMessage", function (e) {
    (kept.get(e.target) || []).forEach(function (k) {
      var f = document.getElementById(k.id);
      if (!f) return;
      if (f.type === "checkbox" || f.type === "radio") f.checked = k.checked;
      else f.value = k.value;
    });
    kept.delete(e.target);
  });
})();

// An inbox answer with a file chosen is the file's caption: the preview
// counts it against Telegram's caption limit (1,024, not 4,096). The file
// itself is not sent for a preview, only that there is one.
document.addEventListener("change", function (e) {
  if (!e.target || e.target.id !== "answer-file") return;
  var flag = document.getElementById("answer-with-file");
  var text = document.getElementById("text");
  if (!flag || !text) return;
  flag.value = e.target.files && e.target.files.length > 0 ? "1" : "";
  text.dispatchEvent(new Event("change", { bubbles: true }));
});
