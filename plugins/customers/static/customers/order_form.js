// Progressive enhancement of the order form: add and remove lines in the page, fill a chosen
// product's unit and price, show its stock on hand, and keep line amounts and the total up to date.
// Without this file the form offers spare rows and its "Add line" button asks the server for more.
(function () {
  var box = document.getElementById("order-lines");
  if (!box || typeof BigInt === "undefined") { return; }
  var products = JSON.parse(box.getAttribute("data-products"));
  var stockText = box.getAttribute("data-stock-text");
  var addButton = box.querySelector("[data-add-line]");
  var totalOutput = box.querySelector("[data-total]");
  var nextIndex = 0;

  function lines() { return Array.prototype.slice.call(box.querySelectorAll("[data-line]")); }
  function input(line, name) { return line.querySelector("[data-field='" + name + "']"); }

  // Money is computed exactly, as the server does: a decimal is BigInt units at a scale.
  function parse(text) {
    var match = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(text || "");
    if (!match || !(match[1] + (match[2] || "")).length) { return null; }
    var fraction = match[2] || "";
    return {units: BigInt((match[1] || "0") + fraction), scale: fraction.length};
  }
  function cents(quantity, price) {  // quantity × price rounded half to even, like Decimal.quantize
    var units = quantity.units * price.units;
    var scale = quantity.scale + price.scale;
    if (scale <= 2) { return units * BigInt(10) ** BigInt(2 - scale); }
    var divisor = BigInt(10) ** BigInt(scale - 2);
    var result = units / divisor;
    var twice = (units % divisor) * BigInt(2);
    if (twice > divisor || (twice === divisor && result % BigInt(2) === BigInt(1))) { result += BigInt(1); }
    return result;
  }
  function money(amount) {
    var digits = amount.toString().padStart(3, "0");
    return digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + digits.slice(-2);
  }

  function recalculate() {
    var total = BigInt(0);
    lines().forEach(function (line) {
      var product = products[input(line, "product_id").value];
      var priceText = input(line, "price").value.trim();
      var quantity = parse(input(line, "quantity").value);
      var price = parse(priceText === "" && product ? product.price : priceText);
      var output = line.querySelector("[data-amount]");
      if (product && quantity && price) {
        var amount = cents(quantity, price);
        total += amount;
        output.textContent = money(amount);
      } else {
        output.textContent = "";
      }
    });
    totalOutput.textContent = money(total);
  }

  function showStock(line) {
    var product = products[input(line, "product_id").value];
    line.querySelector("[data-stock]").textContent =
      product ? stockText.replace("{quantity}", Number(product.stock).toLocaleString(document.documentElement.lang)) : "";
  }

  function isEmpty(line) {
    return ["product_id", "quantity", "unit", "price"].every(function (name) { return !input(line, name).value.trim(); })
      && !line.querySelector(".is-invalid");
  }

  function clear(line) {
    line.querySelectorAll("input, select").forEach(function (field) { field.value = ""; field.classList.remove("is-invalid"); });
    line.querySelectorAll(".invalid-feedback").forEach(function (error) { error.remove(); });
    line.querySelector("[data-stock]").textContent = "";
  }

  function renumber(line, index) {  // lines-3-quantity → lines-<index>-quantity in names, ids and labels
    line.querySelectorAll("[name], [id], label[for]").forEach(function (element) {
      ["name", "id", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) { element.setAttribute(attribute, value.replace(/^lines-\d+-/, "lines-" + index + "-")); }
      });
    });
  }

  function addLine() {
    var all = lines();
    var line = all[all.length - 1].cloneNode(true);
    clear(line);
    renumber(line, nextIndex++);
    all[all.length - 1].after(line);
    recalculate();
    return line;
  }

  function removeLine(line) {
    if (lines().length > 1) { line.remove(); } else { clear(line); }
    recalculate();
  }

  lines().forEach(function (line) {
    var match = /^lines-(\d+)-/.exec(input(line, "product_id").name);
    nextIndex = Math.max(nextIndex, Number(match[1]) + 1);
  });
  // The server sends spare empty rows for browsers without this script: keep one.
  var spare = lines().filter(isEmpty);
  spare.slice(spare.length === lines().length ? 1 : 0).forEach(function (line) {
    if (lines().length > 1) { line.remove(); }
  });
  box.querySelectorAll("[data-remove-line]").forEach(function (button) { button.hidden = false; });

  addButton.addEventListener("click", function (event) {
    event.preventDefault();
    input(addLine(), "product_id").focus();
  });
  box.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-line]");
    if (button) { removeLine(button.closest("[data-line]")); }
  });
  box.addEventListener("change", function (event) {
    if (event.target.getAttribute("data-field") !== "product_id") { return; }
    var line = event.target.closest("[data-line]");
    var product = products[event.target.value];
    if (product) {
      input(line, "unit").value = product.unit;
      input(line, "price").value = product.price;
    }
    showStock(line);
    recalculate();
  });
  box.addEventListener("input", recalculate);
  recalculate();
})();
