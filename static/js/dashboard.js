// Partner dashboard: the range picker shows its date fields only for a custom range, and
// the chart of clicks, conversions and earnings is drawn from the JSON block on the page
// (the same figures are in the "By day" table, which works without script).
(function () {
  "use strict";

  var select = document.querySelector("[data-range-select]");
  if (select) {
    var dates = document.querySelectorAll("[data-custom-dates]");
    var sync = function () {
      dates.forEach(function (el) { el.hidden = select.value !== "custom"; });
    };
    select.addEventListener("change", sync);
    sync();
  }

  var canvas = document.getElementById("dashboard-chart");
  var source = document.getElementById("dashboard-series");
  if (!canvas || !source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var css = getComputedStyle(document.documentElement);
  var brand = css.getPropertyValue("--brand").trim() || "#1f4fd1";
  var ok = css.getPropertyValue("--ok").trim() || "#136c34";
  var narrow = window.matchMedia("(max-width: 600px)").matches;
  var money = new Intl.NumberFormat(document.documentElement.lang || "en",
    { style: "currency", currency: data.currency });

  new window.Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Clicks", data: data.clicks, yAxisID: "clicks",
          backgroundColor: "#9db7f5", borderRadius: 2, order: 3 },
        { type: "line", label: "Conversions", data: data.conversions, yAxisID: "conversions",
          borderColor: brand, backgroundColor: brand, pointRadius: 2, tension: 0.25, order: 1 },
        { type: "line", label: "Earnings (" + data.currency + ")", yAxisID: "money",
          data: data.earnings.map(Number), borderColor: ok, backgroundColor: ok,
          borderDash: [6, 4], pointRadius: 2, tension: 0.25, order: 2 }
      ]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 14 } },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var v = ctx.parsed.y;
              return ctx.dataset.label + ": " + (ctx.dataset.yAxisID === "money" ? money.format(v) : v);
            }
          }
        }
      },
      scales: {
        x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: narrow ? 4 : 8 },
             grid: { display: false } },
        clicks: { position: "left", beginAtZero: true, ticks: { precision: 0 },
                  title: { display: !narrow, text: "Clicks" } },
        conversions: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                       ticks: { precision: 0, color: brand },
                       title: { display: !narrow, text: "Conversions", color: brand } },
        // Earnings get their own scale so a small line is still readable; on a phone its
        // ticks are left out (the tooltip and the table by day give the amounts).
        money: { position: "right", beginAtZero: true, display: !narrow,
                 grid: { drawOnChartArea: false },
                 ticks: { color: ok, callback: function (v) { return money.format(v); } },
                 title: { display: true, text: "Earnings", color: ok } }
      }
    }
  });
})();
