// Keyboard navigation of the sales inbox (templates/leads/lead_list.html). The page works
// without it; with it, the table is one stop of the Tab key and the keys below move inside:
// j / ArrowDown and k / ArrowUp move the focus between rows, Enter / o open the lead, x ticks
// the row, a assigns the lead to me, / goes to the search box, ? shows the shortcuts.
(function () {
  "use strict";

  var table = document.getElementById("inbox");
  var help = document.getElementById("inbox-help");
  var search = document.querySelector(".leads-filters input[type=search]");
  var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tbody .inbox-row")) : [];

  // Keys are for the page, not for someone typing in a field.
  function typing(target) {
    if (!target || target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(target.type) === -1;
  }

  function current() {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest(".inbox-row") : null;
    return rows.indexOf(row);
  }

  // A roving tabindex: the focused row is the table's one Tab stop, so Tab leaves the table
  // rather than walking through fifty rows of controls.
  function focusRow(index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.tabIndex = i === index ? 0 : -1;
    });
    rows[index].focus();
    rows[index].scrollIntoView({ block: "nearest" });
  }

  function tickOf(row) {
    return row.querySelector(".inbox-tick");
  }

  // aria-selected says which rows are ticked for "Assign to…"; the focus ring shows where the
  // keyboard is.
  function showTicked(row) {
    var tick = tickOf(row);
    row.setAttribute("aria-selected", tick && tick.checked ? "true" : "false");
  }

  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) help.querySelector("[data-help-close]").focus();
  }

  rows.forEach(function (row, i) {
    Array.prototype.forEach.call(row.querySelectorAll("a, button, input"), function (control) {
      control.tabIndex = -1;
    });
    row.tabIndex = i === 0 ? 0 : -1;
    showTicked(row);
    var tick = tickOf(row);
    if (tick) tick.addEventListener("change", function () { showTicked(row); });
    // A click on a row's empty space puts the keyboard there too.
    row.addEventListener("click", function (event) {
      if (!event.target.closest("a, button, input")) focusRow(i);
    });
  });

  if (help) {
    help.querySelector("[data-help-close]").addEventListener("click", function () {
      toggleHelp(false);
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    var key = event.key;
    if (key === "Escape" && help && !help.hidden) {
      toggleHelp(false);
      return;
    }
    if (key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    if (key === "/") {
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
      return;
    }
    if (!rows.length) return;
    var index = current();
    if (key === "j" || key === "ArrowDown") {
      event.preventDefault();
      focusRow(index + 1);  // from nowhere (-1), the first row
    } else if (key === "k" || key === "ArrowUp") {
      event.preventDefault();
      focusRow(index < 0 ? 0 : index - 1);
    } else if (index >= 0 && (key === "o" || (key === "Enter" && event.target === rows[index]))) {
      // Enter on a link or button inside the row keeps its own meaning.
      event.preventDefault();
      window.location.assign(rows[index].dataset.href);
    } else if (index >= 0 && key === "x") {
      event.preventDefault();
      var tick = tickOf(rows[index]);
      if (tick) {
        tick.checked = !tick.checked;
        showTicked(rows[index]);
      }
    } else if (index >= 0 && key === "a") {
      var assign = rows[index].querySelector("[data-assign-me]");
      if (assign) {
        event.preventDefault();
        assign.click();
      }
    }
  });
})();
