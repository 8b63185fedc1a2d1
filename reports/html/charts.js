/*
 * Runs in the browser: draws every element with data-chart from the JSON in #rtcstorm-data, with
 * uPlot (inlined before this script): a report's charts (report.html), or runs drawn over each other
 * from `compare` (compare.html). Plain JavaScript, read and inlined as is by reports/html/page.ts.
 * Time charts also draw report events: chaos steps as labelled lines (a band while they last), other
 * events (bot failures, counted per second) as ticks along the bottom. Each time chart records how many marks
 * it drew in data-event-marks, and the body gets data-charts-ready once everything is drawn.
 */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('rtcstorm-data').textContent);
  var colors = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
  var height = 220;
  var plots = [];

  function markColor(m) {
    if (!m.chaos) return m.ok ? '#6b7280' : '#9f1239';
    return m.ok ? '#ea580c' : '#dc2626';
  }

  /** Other events: a tick along the bottom, taller for more events in that second, so hundreds of bot failures do not hide the data. */
  function drawTick(ctx, box, x, m, dpr) {
    var tick = Math.min(box.height / 4, (4 + 3 * Math.log2(m.count)) * dpr);
    ctx.fillStyle = markColor(m);
    ctx.fillRect(x - dpr, box.top + box.height - tick, 2 * dpr, tick);
  }

  /** A chaos step: a labelled line, and a band while it lasts; `row` staggers labels of steps close in time. */
  function drawStep(u, x, m, dpr, row) {
    var ctx = u.ctx, box = u.bbox, color = markColor(m);
    if (m.untilS !== null) {
      ctx.globalAlpha = 0.15;
      ctx.fillStyle = color;
      ctx.fillRect(x, box.top, Math.max(dpr, u.valToPos(m.untilS, 'x', true) - x), box.height);
      ctx.globalAlpha = 1;
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = 2 * dpr;
    ctx.beginPath();
    ctx.moveTo(x, box.top);
    ctx.lineTo(x, box.top + box.height);
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.font = 11 * dpr + 'px sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(m.label, x + 3 * dpr, box.top + (2 + 13 * (row % 3)) * dpr);
  }

  function eventMarksPlugin(marks, el) {
    return {
      hooks: {
        draw: [
          function (u) {
            var ctx = u.ctx, box = u.bbox, dpr = window.devicePixelRatio || 1;
            var min = u.scales.x.min, max = u.scales.x.max, drawn = 0, steps = 0;
            ctx.save();
            ctx.beginPath();
            ctx.rect(box.left, box.top, box.width, box.height);
            ctx.clip();
            marks.forEach(function (m) {
              var end = m.untilS === null ? m.atS : m.untilS;
              if (end < min || m.atS > max) return;
              var x = u.valToPos(m.atS, 'x', true);
              if (m.chaos) drawStep(u, x, m, dpr, steps++);
              else drawTick(ctx, box, x, m, dpr);
              drawn++;
            });
            ctx.restore();
            el.dataset.eventMarks = String(drawn);
          },
        ],
      },
    };
  }

  function empty(el, text) {
    el.innerHTML = '<div class="empty"></div>';
    el.firstChild.textContent = text;
  }

  function hasValues(series) {
    return series.some(function (s) {
      return s.values.some(function (v) { return v !== null; });
    });
  }

  function plot(el, opts, aligned) {
    var u = new uPlot(Object.assign({ width: el.clientWidth || 560, height: height }, opts), aligned, el);
    plots.push({ u: u, el: el });
  }

  /** x: seconds since start; series: [{ label, values }]; the report's events are marked on it. */
  function timeChart(el, t, series, unit, noData) {
    if (t.length === 0 || !hasValues(series)) return empty(el, noData || 'no data');
    plot(
      el,
      {
        scales: { x: { time: false } },
        axes: [{ label: 'seconds since start' }, { label: unit, size: 60 }],
        series: [{ label: 's' }].concat(series.map(function (s, i) {
          return { label: s.label, stroke: colors[i % colors.length], width: 1.5, spanGaps: false, dash: s.dash ? [6, 4] : undefined };
        })),
        plugins: data.marks ? [eventMarksPlugin(data.marks, el)] : [],
      },
      [t].concat(series.map(function (s) { return s.values; })),
    );
  }

  function distributionChart(el, x, y, unit, bars) {
    plot(
      el,
      {
        scales: { x: { time: false, distr: 3 } },
        axes: [{ label: 'e2e latency (ms)' }, { label: unit, size: 60 }],
        series: [{ label: 'ms' }, {
          label: unit,
          stroke: colors[0],
          fill: bars ? 'rgba(37,99,235,0.35)' : undefined,
          width: bars ? 0 : 1.5,
          paths: bars ? uPlot.paths.bars({ size: [1, Infinity], gap: 1 }) : undefined,
          points: { show: false },
        }],
      },
      [x, y],
    );
  }

  var d = data;
  var draw = {
    bots: function (el) { timeChart(el, d.t, [{ label: 'connected', values: d.botsConnected }], 'bots'); },
    packets: function (el) {
      var series = [{ label: 'sent', values: d.packetsSentPerS }, { label: 'received', values: d.packetsReceivedPerS }];
      // Scheduled but skipped by a late process: the load the plan called for and the target never saw.
      if (d.packetsSkippedPerS) series.push({ label: 'skipped', values: d.packetsSkippedPerS });
      timeChart(el, d.t, series, 'packets/s');
    },
    latency: function (el) {
      timeChart(el, d.t, [
        { label: 'p50', values: d.latencyP50Ms },
        { label: 'p95', values: d.latencyP95Ms },
        { label: 'p99', values: d.latencyP99Ms },
      ], 'ms', 'no latency samples');
    },
    loss: function (el) { timeChart(el, d.t, [{ label: 'loss', values: d.lossPercent }], '%', 'no packets expected'); },
    jitter: function (el) { timeChart(el, d.t, [{ label: 'jitter p95', values: d.jitterP95Ms }], 'ms', 'no jitter samples'); },
    server: function (el) {
      if (!d.server) return empty(el, 'no server data');
      timeChart(el, d.server.t, d.server.nodes.map(function (n) { return { label: n.id, values: n.cpuPercent }; }), 'CPU %', 'no server data');
    },
    'latency-histogram': function (el) {
      if (!d.latency) return empty(el, 'no latency samples');
      distributionChart(el, d.latency.binUpperBound, d.latency.binPercent, '% of packets', true);
    },
    'latency-cdf': function (el) {
      if (!d.latency) return empty(el, 'no latency samples');
      distributionChart(el, d.latency.cdfValue, d.latency.cdfPercent, '% at or below', false);
    },
  };

  /**
   * Runs over each other (compare.html), each on its own x values: uPlot.join puts them on one x axis
   * with gaps where a run has no point. pick(run) gives [x, y] of one run.
   */
  function runsChart(el, pick, axes, noData) {
    var runs = (data.compare || []).filter(function (r) { var xy = pick(r); return xy && xy[1].some(function (v) { return v !== null; }); });
    if (runs.length === 0) return empty(el, noData);
    var joined = uPlot.join(runs.map(pick));
    plot(
      el,
      {
        scales: { x: { time: false, distr: axes.logX ? 3 : 1 } },
        axes: [{ label: axes.x }, { label: axes.y, size: 60 }],
        series: [{ label: axes.x }].concat(runs.map(function (r, i) {
          return { label: r.label, stroke: r.label === 'candidate' ? colors[1] : colors[(i % 2) * 2], width: r.label === 'candidate' ? 2 : 1.25, spanGaps: true, points: { show: false } };
        })),
      },
      joined,
    );
  }

  function overTime(key) {
    return function (r) { return [r.t, r[key]]; };
  }

  /** One SLO of a capacity search: its value at each step's load, the limit dashed, the breaking step marked. */
  function capacityChart(el) {
    var c = (data.capacity || [])[Number(el.dataset.index)];
    if (!c || !c.values.some(function (v) { return v !== null; })) return empty(el, 'no values');
    var limit = c.bots.map(function () { return c.limit; });
    var broke = c.values.map(function (v, i) { return i === c.brokeAt ? v : null; });
    plot(
      el,
      {
        scales: { x: { time: false } },
        axes: [{ label: 'bots (load of the step)' }, { label: c.unit, size: 60 }],
        series: [
          { label: 'bots' },
          { label: 'measured', stroke: colors[0], width: 1.5, points: { show: true, size: 6 } },
          { label: 'limit', stroke: colors[1], width: 1.5, dash: [6, 4], points: { show: false } },
          { label: 'broke', stroke: colors[1], width: 0, points: { show: true, size: 12, fill: colors[1] } },
        ],
      },
      [c.bots, c.values, limit, broke],
    );
  }
  draw.capacity = capacityChart;

  /** A traced group's chart (report.html's "Network trace" sections): configured series dashed, the measured one solid. */
  draw.trace = function (el) {
    var c = (data.traces || [])[Number(el.dataset.index)];
    if (!c) return empty(el, 'no data');
    timeChart(el, d.t, c.series, c.unit, c.noData);
  };

  var compareDraw = {
    'compare-latency-p50': function (el) { runsChart(el, overTime('latencyP50Ms'), { x: 'seconds since start', y: 'ms' }, 'no latency samples'); },
    'compare-latency-p99': function (el) { runsChart(el, overTime('latencyP99Ms'), { x: 'seconds since start', y: 'ms' }, 'no latency samples'); },
    'compare-loss': function (el) { runsChart(el, overTime('lossPercent'), { x: 'seconds since start', y: '%' }, 'no packets expected'); },
    'compare-latency-cdf': function (el) {
      runsChart(el, function (r) { return r.latency && [r.latency.cdfValue, r.latency.cdfPercent]; }, { x: 'e2e latency (ms)', y: '% at or below', logX: true }, 'no latency samples');
    },
  };
  Object.keys(compareDraw).forEach(function (key) { draw[key] = compareDraw[key]; });

  document.querySelectorAll('[data-chart]').forEach(function (el) {
    draw[el.dataset.chart](el);
  });
  window.addEventListener('resize', function () {
    plots.forEach(function (p) { p.u.setSize({ width: p.el.clientWidth, height: height }); });
  });
  document.body.dataset.chartsReady = 'true';
})();
