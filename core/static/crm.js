// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A select that applies itself (the lists' page size): its form is sent when the choice changes.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-submit-on-change") && field.form) {
    field.form.submit();
  }
});

// Suggestions for a text input with data-suggest-url and a <datalist>: the URL
// answers ?q=text with [{label: ...}, ...] (e.g. the customer picker).
document.addEventListener("input", function (event) {
  var input = event.target;
  var url = input.getAttribute && input.getAttribute("data-suggest-url");
  var list = url && input.list;
  if (!list || input.value.trim().length < 1) {
    return;
  }
  clearTimeout(input.suggestTimer);
  input.suggestTimer = setTimeout(function () {
    var query = input.value.trim();
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (items) {
        if (input.value.trim() !== query) {
          return;  // the user typed on: a newer request will fill the list
        }
        list.replaceChildren.apply(list, items.map(function (item) {
          var option = document.createElement("option");
          option.value = item.label;
          return option;
        }));
      })
      .catch(function () {});
  }, 200);
});

// A running job's page: poll its state and move the progress bar; reload when it ends,
// so the server renders the outcome (download link, result, or why it failed).
(function () {
  var box = document.querySelector("[data-job-state]");
  if (!box || !window.fetch) {
    return;
  }
  var bar = box.querySelector("[data-job-bar]");
  var count = box.querySelector("[data-job-count]");
  var text = box.querySelector("[data-job-text]");
  function poll() {
    fetch(box.getAttribute("data-job-state"), {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.state !== "queued" && state.state !== "running") {
          window.location.reload();
          return;
        }
        if (state.percent !== null) {
          bar.style.width = state.percent + "%";
          bar.textContent = state.percent + " %";
          bar.parentNode.setAttribute("aria-valuenow", state.percent);
        }
        // A job in steps names the step instead of counting (its done / total only move the bar).
        if (state.step) {
          count.textContent = "";
        } else if (state.total) {
          count.textContent = state.done.toLocaleString() + " / " + state.total.toLocaleString();
        }
        if (state.state === "running" && (state.step || text.getAttribute("data-running"))) {
          text.textContent = state.step || text.getAttribute("data-running");
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();

// Lists shown as cards on phones (crm.css): each cell is labelled with its column's title.
document.querySelectorAll("table.crm-list").forEach(function (table) {
  var titles = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
    return th.textContent.trim();
  });
  table.querySelectorAll("tbody tr").forEach(function (row) {
    Array.prototype.forEach.call(row.cells, function (cell, index) {
      if (!cell.hasAttribute("data-label") && cell.colSpan === 1) {
        cell.setAttribute("data-label", titles[index] || "");
      }
    });
  });
});
// "Select all" of a group of checkboxes (a card, e.g. a plugin's permissions on the role page):
// ticks or clears the group's enabled boxes; shows "some" while only part of them is ticked.
(function () {
  document.querySelectorAll("[data-select-all]").forEach(function (toggle) {
    var card = toggle.closest(".card");
    var boxes = Array.prototype.filter.call(card.querySelectorAll(".card-body input[type=checkbox]"),
                                            function (box) { return !box.disabled; });
    if (!boxes.length) { return; }
    function reflect() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      toggle.checked = ticked === boxes.length;
      toggle.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    toggle.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = toggle.checked; });
      reflect();
    });
    boxes.forEach(function (box) { box.addEventListener("change", reflect); });
    toggle.closest("[data-select-all-label]").hidden = false;
    reflect();
  });
})();
