// The campaign page's chart of sends and replies over time. Its data sits
// in #campaign-timeline (data-timeline), which the live report replaces, so
// the chart is drawn on load and updated after every swap.
(function () {
  var chart;
  // Step 1 in the product's blue, follow-ups in darker shades of it.
  var stepColors = ["rgba(34, 158, 217, .75)", "rgba(21, 101, 163, .8)", "rgba(13, 66, 112, .85)", "rgba(8, 38, 66, .9)"];
  function datasets(d) {
    var bars;
    if (d.steps && d.steps.length > 1) {
      bars = d.steps.map(function (data, k) {
        return { label: "Step " + (k + 1) + " sent", data: data, backgroundColor: stepColors[k % stepColors.length], stack: "sent", order: 2 };
      });
    } else {
      bars = [{ label: "Sent", data: d.sent, backgroundColor: stepColors[0], stack: "sent", order: 2 }];
    }
    return bars.concat([{ label: "Replies", data: d.replied, type: "line", borderColor: "#198754", backgroundColor: "#198754", tension: .25, order: 1 }]);
  }
  function draw() {
    var src = document.getElementById("campaign-timeline");
    var canvas = document.getElementById("campaign-chart");
    if (!src || !canvas || !window.Chart) return;
    var d;
    try { d = JSON.parse(src.dataset.timeline); } catch (e) { return; }
    var sets = datasets(d);
    if (chart && chart.data.datasets.length === sets.length) {
      chart.data.labels = d.labels;
      sets.forEach(function (s, i) { chart.data.datasets[i].data = s.data; });
      chart.update("none");
      return;
    }
    if (chart) chart.destroy();
    chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: sets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
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
