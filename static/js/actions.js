/* The small behaviours of the pages, without inline handlers (the Content-Security-Policy allows none):
   a button with data-action="print" prints the page; a select with data-autosubmit submits its form; a
   field with data-select-on-focus selects its text when focused (a new API key, to copy). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action='print']");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      field.form.requestSubmit();
    }
  });
})();
