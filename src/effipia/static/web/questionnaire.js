/* effipia questionnaire — progressive enhancement only: the form works without it.
   Hides a question whose condition reads an answer of the same page while that answer
   does not call for it (the server drops such answers anyway). */
(function () {
  "use strict";
  var form = document.querySelector("form[method=post]");
  if (!form) { return; }
  var dependents = form.querySelectorAll("[data-depends-on]");
  function chosen(name) {
    var values = [];
    form.querySelectorAll("input[name='" + name + "']").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value) {
        values.push(input.value);
      }
    });
    return values;
  }
  function update() {
    dependents.forEach(function (field) {
      var wanted = field.getAttribute("data-shows-for").split(" ");
      var show = chosen(field.getAttribute("data-depends-on")).some(function (v) { return wanted.indexOf(v) >= 0; });
      field.hidden = !show;
    });
  }
  form.addEventListener("change", update);
  update();
  var errors = document.getElementById("erreurs");
  if (errors) { errors.focus(); }
})();
