// The campaign page's chart of sends and replies over time. Its data sits
// in #campaign-timeline (data-timeline), which the live report replaces, so
// the chart is drawn on load and updated after every swap.
(function () {
  var chart;
  function draw() {
    var src = document.getElementById("campaign-timeline");
    var canvas = document.getElementById("campaign-chart");
    if (!src || !canvas || !window.Chart) return;
    var d;
    try { d = JSON.parse(src.dataset.timeline); } catch (e) { return; }
    if (chart) {
      chart.data.labels = d.labels;
      chart.data.datasets[0].data = d.sent;
      chart.data.datasets[1].data = d.replied;
      chart.update("none");
      return;
    }
    chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Sent", data: d.sent, backgroundColor: "rgba(34, 158, 217, .75)", order: 2 },
          { label: "Replies", data: d.replied, type: "line", borderColor: "#198754", backgroundColor: "#198754", tension: .25, order: 1 }
        ]
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();

// A notice about what a person just did ("Campaign resumed") goes once the
// live report shows the campaign's status moved on (completed, paused by
// its failures): it no longer describes the campaign.
(function () {
  var status;
  function progress() { return document.getElementById("campaign-progress"); }
  document.addEventListener("DOMContentLoaded", function () {
    var p = progress();
    if (p) status = p.dataset.status;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var p = progress();
    if (!p || status === undefined || p.dataset.status === status) return;
    status = p.dataset.status;
    var flash = document.getElementById("flash");
    if (flash) flash.remove();
  });
})();
