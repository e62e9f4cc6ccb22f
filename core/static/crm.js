// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
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
