// Live count of eligible customers while the researcher changes the screener's rules.
(function () {
  "use strict";
  const form = document.getElementById("screener");
  const target = document.getElementById("eligibility");
  if (!form || !target) return;
  let timer = null;
  let latest = 0;
  async function refresh() {
    const request = ++latest;
    const data = new FormData(form);
    data.delete("csrf_token");
    const url = form.dataset.countUrl + "?" + new URLSearchParams(data).toString();
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      const body = await response.json();
      if (request !== latest) return; // an older answer arriving late
      if (response.ok) {
        target.innerHTML = body.html;
      } else {
        target.textContent = body.error || "The rules cannot be counted yet.";
      }
    } catch (error) {
      target.textContent = "Could not count right now; saving still works.";
    }
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  refresh();
})();
