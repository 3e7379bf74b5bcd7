// The weekly trend of one topic, drawn with the vendored Chart.js from the JSON block on the
// page. The same figures are in the table beside it, so nothing is lost without JavaScript.
(function () {
  "use strict";
  const source = document.getElementById("topic-data");
  const canvas = document.getElementById("topic-trend-chart");
  if (!source || !canvas || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: "Items", data: data.counts, backgroundColor: "#1f5fbf" }],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: {
        x: { title: { display: true, text: "Week starting" } },
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Items" } },
      },
    },
  });
})();
