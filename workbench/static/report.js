// Charts of the study report, drawn with the vendored Chart.js from the JSON block on the page.
// The same figures are in the page's tables, so nothing is lost without JavaScript.
(function () {
  "use strict";
  const printButton = document.getElementById("print-report");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });

  const source = document.getElementById("report-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  const common = { animation: false, responsive: true, maintainAspectRatio: false };

  const tasksCanvas = document.getElementById("tasks-chart");
  if (tasksCanvas && data.tasks.labels.length) {
    const outcomes = [
      ["success", "Success", "#1f7a3f"],
      ["partial", "Partial", "#b57900"],
      ["fail", "Fail", "#b3261e"],
      ["skipped", "Skipped", "#5b6472"],
      ["no_result", "No result", "#c9ced6"],
    ];
    charts.push(new Chart(tasksCanvas, {
      type: "bar",
      data: {
        labels: data.tasks.labels,
        datasets: outcomes.map(function (outcome) {
          return { label: outcome[1], data: data.tasks[outcome[0]], backgroundColor: outcome[2] };
        }),
      },
      options: Object.assign({}, common, {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, max: data.ran,
               ticks: { precision: 0 }, title: { display: true, text: "Participants" } },
        },
      }),
    }));
  }

  const curveCanvas = document.getElementById("discovery-chart");
  if (curveCanvas && data.curve.length) {
    const datasets = [{
      label: "Expected share found",
      data: data.curve,
      borderColor: "#1f5fbf",
      backgroundColor: "#1f5fbf",
      pointRadius: 2,
      tension: 0.2,
    }];
    if (data.found !== null && data.ran <= data.curve.length) {
      datasets.push({
        label: data.ran + " sessions run",
        data: [{ x: data.ran, y: data.found }],
        borderColor: "#b3261e",
        backgroundColor: "#b3261e",
        pointRadius: 7,
        pointStyle: "rectRot",
        showLine: false,
      });
    }
    charts.push(new Chart(curveCanvas, {
      type: "line",
      data: { datasets: datasets },
      options: Object.assign({}, common, {
        parsing: true,
        scales: {
          x: { type: "linear", min: 1, max: data.curve.length, ticks: { stepSize: 1 },
               title: { display: true, text: "Sessions" } },
          y: { min: 0, max: 100, ticks: { callback: function (value) { return value + "%"; } },
               title: { display: true, text: "Share of problems found" } },
        },
        plugins: {
          tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + item.parsed.y + "%"; } } },
        },
      }),
    }));
  }

  // Redraw at the printed size.
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
