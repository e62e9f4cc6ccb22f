// Progressive enhancement of the customer 360 page: its sections become tabs, the first one open
// (or the one the URL's #hash names); a section's data-count shows beside its title.
(function () {
  var box = document.getElementById("customer-tabs");
  if (!box) { return; }
  var sections = Array.prototype.slice.call(box.querySelectorAll(":scope > section.crm-tab"));
  if (!sections.length) { return; }
  var nav = document.createElement("ul");
  nav.className = "nav nav-tabs mb-3 crm-tab-nav";
  nav.setAttribute("role", "tablist");
  var wanted = window.location.hash.slice(1);
  var active = sections.some(function (s) { return s.id === wanted; }) ? wanted : sections[0].id;

  function show(section, button) {
    nav.querySelectorAll(".nav-link").forEach(function (b) {
      b.classList.remove("active");
      b.setAttribute("aria-selected", "false");
    });
    button.classList.add("active");
    button.setAttribute("aria-selected", "true");
    sections.forEach(function (s) { s.hidden = s !== section; });
  }

  sections.forEach(function (section) {
    var item = document.createElement("li");
    item.className = "nav-item";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "nav-link";
    button.id = section.id + "-button";
    button.textContent = section.getAttribute("data-title");
    var count = section.getAttribute("data-count");
    if (count !== null && count !== "") {
      var badge = document.createElement("span");
      badge.className = "badge rounded-pill text-bg-light border ms-1 crm-tab-count";
      badge.textContent = count;
      button.appendChild(badge);
    }
    button.setAttribute("role", "tab");
    button.setAttribute("aria-controls", section.id);
    section.setAttribute("role", "tabpanel");
    section.setAttribute("aria-labelledby", button.id);
    button.addEventListener("click", function () {
      show(section, button);
      history.replaceState(null, "", "#" + section.id);
    });
    item.appendChild(button);
    nav.appendChild(item);
    if (section.id === active) { show(section, button); }
    var title = section.querySelector(".crm-tab-title");
    if (title) { title.classList.add("visually-hidden"); }
  });
  sections.forEach(function (s) { s.hidden = s.id !== active; });
  box.insertBefore(nav, box.firstChild);
})();
