// The pipeline kanban: native drag and drop of cards between columns, and "load more".
// Progressive enhancement: without this file each card's chooser (a normal form) moves it.
// Every move is decided by the server (POST .../move): done, refused with a message shown
// on the card, or a page that must ask more (assignee, won confirmation, lost reason).
(function () {
  "use strict";
  var board = document.querySelector("[data-kanban]");
  if (!board) {
    return;
  }
  var dragged = null;
  var money = new Intl.NumberFormat(document.documentElement.lang || "en",
                                    {minimumFractionDigits: 2, maximumFractionDigits: 2});

  function zoneOf(node) {
    return node && node.closest ? node.closest("[data-drop]") : null;
  }

  function clearTargets() {
    board.querySelectorAll(".crm-drop-target").forEach(function (zone) { zone.classList.remove("crm-drop-target"); });
  }

  function showError(card, message) {
    var box = card.querySelector(".crm-card-error");
    box.textContent = message || board.getAttribute("data-failed");
    box.hidden = false;
  }

  function refreshTotals() {
    fetch(board.getAttribute("data-totals-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (figures) {
        Object.keys(figures).forEach(function (key) {
          var column = board.querySelector('[data-column="' + key + '"]');
          if (!column) {
            return;
          }
          column.querySelector('[data-figure="count"]').textContent = figures[key].count;
          column.querySelector('[data-figure="total"]').textContent = money.format(Number(figures[key].total));
          column.querySelector('[data-figure="weighted"]').textContent = money.format(Number(figures[key].weighted));
        });
      })
      .catch(function () {});
  }

  function move(card, zone) {
    var body = new FormData();
    body.append("csrf_token", board.getAttribute("data-csrf"));
    body.append("to", zone.getAttribute("data-drop"));
    body.append("version", card.getAttribute("data-version"));
    card.querySelector(".crm-card-error").hidden = true;
    fetch(card.getAttribute("data-move-url"), {
      method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.next) {
          window.location.assign(answer.next);  // the page asks the assignee, confirms won, or asks the reason
          return;
        }
        if (!answer.ok) {
          showError(card, answer.error);
          return;
        }
        var fresh = document.createElement("template");
        fresh.innerHTML = answer.card.trim();  // the server's card: new probability, chooser and version
        zone.insertBefore(fresh.content.firstElementChild || card, zone.firstChild);
        card.remove();
        refreshTotals();
      })
      .catch(function () { showError(card); });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest('.crm-card[draggable="true"]') : null;
    if (!card) {
      return;
    }
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
    card.classList.add("crm-dragging");
  });

  board.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("crm-dragging");
    }
    dragged = null;
    clearTargets();
  });

  board.addEventListener("dragover", function (event) {
    var zone = zoneOf(event.target);
    if (!zone || !dragged) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearTargets();
    zone.classList.add("crm-drop-target");
  });

  board.addEventListener("drop", function (event) {
    var zone = zoneOf(event.target);
    if (!zone || !dragged) {
      return;
    }
    event.preventDefault();
    clearTargets();
    var card = dragged;
    if (zoneOf(card) !== zone) {
      move(card, zone);
    }
  });

  board.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.crm-more[data-more-url]") : null;
    if (!link) {
      return;
    }
    event.preventDefault();
    fetch(link.getAttribute("data-more-url"), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response); })
      .then(function (html) {
        link.insertAdjacentHTML("beforebegin", html);
        link.remove();
      })
      .catch(function () { window.location.assign(link.href); });
  });
})();
