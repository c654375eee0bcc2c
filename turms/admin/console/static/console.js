/* The admin console's own script (no inline scripts: the Content-Security-Policy forbids them).
 * - Buttons with data-confirm ask before their form is submitted.
 * - The dashboard's charts: poll the metrics snapshot of this host, turn successive snapshots into rates
 *   (a counter that went down means the host restarted: no point for that interval) and latency quantiles
 *   (from the histogram's bucket increments), and draw the last five minutes with uPlot.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  var WINDOW_POINTS = 150;

  function rate(previous, current, key, seconds) {
    var delta = current[key] - previous[key];
    return delta < 0 ? null : delta / seconds;
  }

  function quantile(previous, current, q) {
    var le = current.latency.le, now = current.latency.cumulative, before = previous.latency.cumulative;
    if (before.length !== now.length || !now.length) { return null; }
    var increments = now.map(function (n, i) { return n - before[i]; });
    var total = increments[increments.length - 1];
    if (!(total > 0)) { return null; }
    var wanted = q * total;
    for (var i = 0; i < increments.length; i++) {
      if (increments[i] >= wanted) {
        if (le[i] === null) { return le[i - 1] * 1000; }
        var lower = i === 0 ? 0 : le[i - 1], below = i === 0 ? 0 : increments[i - 1];
        var inBucket = increments[i] - below;
        var fraction = inBucket > 0 ? (wanted - below) / inBucket : 1;
        return (lower + (le[i] - lower) * fraction) * 1000;
      }
    }
    return null;
  }

  function Chart(element, series) {
    this.element = element;
    this.data = [[]].concat(series.map(function () { return []; }));
    var colors = ["#2563eb", "#dc2626", "#059669", "#d97706"];
    this.plot = new window.uPlot({
      title: element.getAttribute("data-title"),
      width: Math.max(element.clientWidth - 16, 280),
      height: 200,
      scales: { x: { time: true } },
      series: [{}].concat(series.map(function (label, i) {
        return { label: label, stroke: colors[i % colors.length], width: 2, spanGaps: false };
      })),
      axes: [{}, { size: 60 }]
    }, this.data, element);
  }

  Chart.prototype.add = function (time, values) {
    this.data[0].push(time);
    for (var i = 0; i < values.length; i++) { this.data[i + 1].push(values[i]); }
    if (this.data[0].length > WINDOW_POINTS) {
      this.data.forEach(function (column) { column.shift(); });
    }
    this.plot.setData(this.data);
  };

  Chart.prototype.resize = function () {
    this.plot.setSize({ width: Math.max(this.element.clientWidth - 16, 280), height: 200 });
  };

  function startCharts(section) {
    if (!window.uPlot) { return; }
    var source = section.getAttribute("data-source");
    var interval = parseInt(section.getAttribute("data-interval-ms"), 10) || 2000;
    var note = document.getElementById("charts-note");
    var charts = {
      messages: new Chart(document.getElementById("chart-messages"), ["sent"]),
      logins: new Chart(document.getElementById("chart-logins"), ["ok", "failed"]),
      latency: new Chart(document.getElementById("chart-latency"), ["p50", "p99"]),
      errors: new Chart(document.getElementById("chart-errors"), ["refused", "failed", "Redis errors", "store errors"])
    };
    var previous = null;
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });

    function poll() {
      fetch(source, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.status === 401) {  // the session ended: to the login page, as htmx does
            window.location.assign(response.headers.get("HX-Redirect") || "/console/login");
            throw new Error("signed out");
          }
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (!result.ok) {
            note.textContent = "(not available: " + (result.body.error || "error") + ")";
            return;
          }
          var current = result.body;
          if (previous !== null && current.time > previous.time) {
            var seconds = (current.time - previous.time) / 1000;
            var t = current.time / 1000;
            charts.messages.add(t, [rate(previous, current, "messagesSent", seconds)]);
            charts.logins.add(t, [rate(previous, current, "loginsOk", seconds), rate(previous, current, "loginsFailed", seconds)]);
            charts.latency.add(t, [quantile(previous, current, 0.5), quantile(previous, current, 0.99)]);
            charts.errors.add(t, [
              rate(previous, current, "requestsRefused", seconds),
              rate(previous, current, "requestsFailed", seconds),
              rate(previous, current, "redisErrors", seconds),
              rate(previous, current, "storeErrors", seconds)
            ]);
            section.setAttribute("data-points", String(charts.messages.data[0].length));
          }
          previous = current;
        })
        .catch(function () { note.textContent = "(the server did not answer; retrying)"; })
        .finally(function () { window.setTimeout(poll, interval); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("charts");
    if (section) { startCharts(section); }
  });
})();
