/* Charts of the leaders' dashboards (ranking page, unit page), drawn with the vendored Chart.js
 * (static/vendor/chartjs/chart.umd.min.js, loaded with `defer` before this script).
 *
 * Markup, one chart:
 *
 *   {{ ranking|json_script:"ranking-data" }}
 *   <div class="chart-wrap"><canvas id="ranking-chart" data-chart="ranking" data-source="ranking-data"></canvas></div>
 *   <button type="button" class="chart-png" data-chart-png="ranking-chart" data-filename="xep-hang.png" hidden>Tải ảnh PNG</button>
 *
 * data-chart is "ranking" (horizontal bars, one per unit, in the order given) or "trend" (a monthly line).
 * The JSON contracts are in the comments of rankingConfig and trendConfig below. The wrapper is optional
 * (the script creates a <div class="chart-wrap"> when the canvas has none) and gets its height from the
 * script (ranking: 28 px per row + axes; trend: 320 px; data-height="NNN" on the canvas overrides both).
 * The legend (<ul class="chart-legend">) is inserted after the wrapper, or fills an element
 * [data-chart-legend="CANVAS_ID"] when the page has one.
 *
 * PNG: a <button data-chart-png="CANVAS_ID"> anywhere on the page downloads the chart as a PNG with its
 * title and legend on a white background (file name: data-filename of the button, else of the canvas,
 * else "bieu-do.png"). The script never creates the button; it un-hides it (`hidden`) once the chart is
 * drawn, so that a page without JavaScript shows no dead button.
 *
 * Numbers: Intl.NumberFormat of the page's language (<html lang="vi"> -> "vi-VN": 26,15% and 1.234;
 * "en" -> "en-US": 26.15% and 1,234), as the tables next to the charts; data-locale on the canvas overrides.
 *
 * window.DvcCharts = {draw(canvas), drawAll(root), charts: Map(canvas id -> Chart), format(value, unit,
 * locale, decimals), downloadPng(canvasId, filename), colors}; each Chart carries `chart.$dvc`
 * ({kind, data, rows, marks}: marks are the target marks of the last draw, in canvas pixels).
 */
(function () {
  "use strict";

  var ROW_PX = 28; // per unit of a ranking: 50 communes stay legible
  var RANKING_CHROME_PX = 64; // x axis, its title and padding
  var TREND_HEIGHT_PX = 320;
  var TREND_LABEL_ROOM_PX = 20; // above a trend's plot: its target's label (16 px) fits there
  var LINE_REACH_PX = 5; // how far a trend's line and its dots reach from the line's centre
  var PRINT_WIDTH_PX = 680; // A4 portrait less the margins, at 96 dpi
  var EXPORT_WIDTH_PX = 1000;
  var EXPORT_PIXEL_RATIO = 2;
  var LABEL_MAX_CHARS = 38;
  var RANKING_PAD_RIGHT = 72; // room for the value written after the longest bar
  var NARROW_PX = 600;

  // Fallbacks of the CSS variables of charts.css (which derive from portal.css). Chosen to have at least 3:1
  // against white and to stay apart under protanopia, deuteranopia and tritanopia (met is a bluish green and
  // lighter than missed, close an amber, no target a slate grey); the legend always names them.
  var FALLBACK_COLORS = {
    met: "#1b9866",
    close: "#c27400",
    missed: "#a4161a",
    none: "#626b84",
    mark: "#17202c",
    ink: "#17202c",
    muted: "#5a6677",
    grid: "#e3e8ef",
    current: "#0d5aa7",
    previous: "#6b8fbf",
    target: "#17202c",
  };
  var STATUSES = ["met", "close", "missed", "none"];
  var DEFAULT_LABELS = {
    value: "Giá trị",
    target: "Chỉ tiêu",
    met: "Đạt",
    close: "Gần đạt",
    missed: "Chưa đạt",
    none: "Chưa có chỉ tiêu",
    noData: "Chưa có số liệu",
  };

  var charts = new Map();
  var sources = new WeakMap(); // canvas -> its parsed JSON, for the PNG export
  var states = new WeakMap(); // canvas -> chart.$dvc, set before the Chart exists so that its first draw has it
  var counter = 0;
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

  // ---- helpers ------------------------------------------------------------------------------------

  function assign(target) {
    for (var i = 1; i < arguments.length; i++) {
      var source = arguments[i] || {};
      for (var key in source) {
        if (Object.prototype.hasOwnProperty.call(source, key)) target[key] = source[key];
      }
    }
    return target;
  }

  function isNumber(value) {
    return typeof value === "number" && isFinite(value);
  }

  function localeOf(canvas) {
    var explicit = canvas && canvas.getAttribute("data-locale");
    if (explicit) return explicit;
    var lang = (document.documentElement.getAttribute("lang") || "vi").toLowerCase();
    if (lang.indexOf("en") === 0) return "en-US";
    return "vi-VN";
  }

  var formatters = {};

  /* 26.15, "%" -> "26,15%"; 1234, "count" -> "1.234"; null -> "—". `decimals` fixes the decimals (the tables
   * print rates with two); without it up to two are shown (axis ticks: "20%", "12,5%"). */
  function format(value, unit, locale, decimals) {
    if (!isNumber(value)) return "—";
    locale = locale || "vi-VN";
    var percent = unit === "%";
    var options = { maximumFractionDigits: 2, minimumFractionDigits: 0 };
    if (isNumber(decimals)) options = { maximumFractionDigits: decimals, minimumFractionDigits: decimals };
    else if (!percent && Math.round(value) === value) options = { maximumFractionDigits: 0 };
    var key = locale + "|" + options.minimumFractionDigits + "|" + options.maximumFractionDigits;
    if (!formatters[key]) formatters[key] = new Intl.NumberFormat(locale, options);
    return formatters[key].format(value) + (percent ? "%" : "");
  }

  function unitOf(data) {
    return data.unit === "%" ? "%" : data.unit || "count";
  }

  function valueDecimals(unit) {
    return unit === "%" ? 2 : undefined;
  }

  function cssColor(element, name) {
    var value = window.getComputedStyle(element).getPropertyValue("--chart-" + name);
    value = (value || "").trim();
    return value || FALLBACK_COLORS[name];
  }

  function colorsFor(element) {
    var colors = {};
    for (var name in FALLBACK_COLORS) colors[name] = cssColor(element, name);
    return colors;
  }

  /* A unit's name on the axis, cut to what the chart's width allows (the tooltip and the table have it whole):
   * 38 characters on a wide screen, fewer on a phone, where the names would otherwise run off the canvas. */
  function labelSize(chartWidth) {
    return chartWidth < NARROW_PX ? 11 : 13;
  }

  function shorten(text, chartWidth) {
    text = String(text == null ? "" : text);
    var max = LABEL_MAX_CHARS;
    if (isNumber(chartWidth) && chartWidth > 0) {
      // Chart.js gives the y axis at most half the width left by the padding; a character is ~0.6 em.
      var room = (chartWidth - RANKING_PAD_RIGHT) / 2 - 16;
      max = Math.max(10, Math.min(LABEL_MAX_CHARS, Math.floor(room / (0.6 * labelSize(chartWidth)))));
    }
    if (text.length <= max) return text;
    var cut = text.slice(0, max - 1);
    var word = cut.replace(/\s+\S*$/, "");
    return (word.length >= max / 2 ? word : cut) + "…";
  }

  function monthLabel(month) {
    // "2019-01" -> "01/2019"; anything else as given.
    var match = /^(\d{4})-(\d{1,2})$/.exec(String(month));
    if (!match) return String(month);
    return (match[2].length === 1 ? "0" + match[2] : match[2]) + "/" + match[1];
  }

  function animation() {
    if (reducedMotion && reducedMotion.matches) return false;
    return { duration: 400 };
  }

  function readSource(canvas) {
    var id = canvas.getAttribute("data-source");
    var script = id && document.getElementById(id);
    if (!script) {
      if (window.console) console.warn("DvcCharts: no <script id=" + JSON.stringify(id) + "> for", canvas);
      return null;
    }
    try {
      return JSON.parse(script.textContent);
    } catch (error) {
      if (window.console) console.warn("DvcCharts: invalid JSON in #" + id, error);
      return null;
    }
  }

  // ---- plugins --------------------------------------------------------------------------------------

  // A white background under everything, so that the PNG is not transparent.
  var backgroundPlugin = {
    id: "dvcBackground",
    beforeDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.globalCompositeOperation = "destination-over";
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };

  function font(size, weight) {
    var family = window.Chart.defaults.font.family;
    return (weight || "normal") + " " + size + "px " + family;
  }

  /* Ranking: each unit's own target as a short dark vertical mark across its bar (white halo so it shows on
   * any bar colour), and the value at the end of the bar. Records the marks in chart.$dvc.marks. */
  var rankingPlugin = {
    id: "dvcRanking",
    afterDatasetsDraw: function (chart, args, options) {
      var state = states.get(chart.canvas);
      if (!state || state.kind !== "ranking") return;
      var rows = state.rows;
      var x = chart.scales.x;
      var y = chart.scales.y;
      var meta = chart.getDatasetMeta(0);
      var area = chart.chartArea;
      var ctx = chart.ctx;
      var band = rows.length ? (area.bottom - area.top) / rows.length : 0;
      var colors = options.colors || FALLBACK_COLORS;
      var marks = [];
      ctx.save();
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var cy = y.getPixelForValue(i);
        var bar = meta.data[i];
        var thickness = bar && isNumber(bar.height) && bar.height > 0 ? bar.height : Math.min(band * 0.72, 22);
        var barEnd = isNumber(row.value) ? x.getPixelForValue(Math.max(row.value, x.min)) : x.getPixelForValue(x.min);
        var labelStart = barEnd;
        if (isNumber(row.target)) {
          var mx = x.getPixelForValue(Math.min(Math.max(row.target, x.min), x.max));
          var half = thickness / 2 + 3;
          ctx.lineCap = "butt";
          ctx.strokeStyle = "#ffffff";
          ctx.lineWidth = 5;
          ctx.beginPath();
          ctx.moveTo(mx, cy - half);
          ctx.lineTo(mx, cy + half);
          ctx.stroke();
          ctx.strokeStyle = colors.mark;
          ctx.lineWidth = 2.5;
          ctx.beginPath();
          ctx.moveTo(mx, cy - half);
          ctx.lineTo(mx, cy + half);
          ctx.stroke();
          marks.push({ index: i, label: row.label, target: row.target, x: mx, y: cy, top: cy - half, bottom: cy + half });
          if (mx >= barEnd - 1) labelStart = mx + 2;
        }
        if (options.valueLabels !== false) {
          ctx.font = font(12, isNumber(row.value) ? "600" : "normal");
          ctx.fillStyle = isNumber(row.value) ? colors.ink : colors.muted;
          ctx.textAlign = "left";
          ctx.textBaseline = "middle";
          var text = isNumber(row.value) ? format(row.value, state.unit, state.locale, valueDecimals(state.unit)) : state.labels.noData;
          ctx.fillText(text, labelStart + 5, cy);
        }
      }
      ctx.restore();
      state.marks = marks;
    },
  };

  /* Whether a line of the chart (other than the target's) crosses the box [left, right] x [top, bottom]:
     each segment between two points, where it lies within the box's columns. */
  function linesCross(chart, box) {
    return chart.data.datasets.some(function (dataset, index) {
      if (dataset.$dvcRole === "target") return false;
      var points = chart.getDatasetMeta(index).data.filter(function (point) {
        return point && !point.skip && isFinite(point.x) && isFinite(point.y);
      });
      return points.some(function (point, i) {
        var next = points[i + 1] || point;
        var from = Math.max(box.left - LINE_REACH_PX, Math.min(point.x, next.x));
        var to = Math.min(box.right + LINE_REACH_PX, Math.max(point.x, next.x));
        if (from > to) return false;
        var slope = next.x === point.x ? 0 : (next.y - point.y) / (next.x - point.x);
        var y1 = point.y + slope * (from - point.x);
        var y2 = point.y + slope * (to - point.x);
        // The line's width and its points' dots (a radius of about 4 px) reach beyond its centre.
        return Math.max(y1, y2) >= box.top - LINE_REACH_PX && Math.min(y1, y2) <= box.bottom + LINE_REACH_PX;
      });
    });
  }

  /* Trend: the target's name and value written on its dashed line, above it at the right end where the way
     is clear (the plot's top padding leaves room above a target near 100%); else the first clear place
     below it, or further left along it, where lines of figures are in the way; where none is clear, over
     the plot's top right corner rather than over the figures. */
  var trendPlugin = {
    id: "dvcTrend",
    afterDatasetsDraw: function (chart, args, options) {
      var state = states.get(chart.canvas);
      if (!state || state.kind !== "trend" || !isNumber(state.target)) return;
      var y = chart.scales.y.getPixelForValue(state.target);
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = font(12, "600");
      ctx.textAlign = "right";
      ctx.textBaseline = "bottom";
      var text = state.labels.target + " " + format(state.target, state.unit, state.locale, valueDecimals(state.unit));
      var width = ctx.measureText(text).width + 6;
      var places = [];
      for (var right = area.right - 2; right - width >= area.left + 2; right -= 24) {
        [y - 19, y + 3].forEach(function (top) {
          var box = { left: right - width, right: right, top: top, bottom: top + 16 };
          if (top >= 0 && box.bottom <= area.bottom) places.push({ box: box, free: !linesCross(chart, box) });
        });
      }
      // Where no place beside the line is clear, over the plot's top right corner, in the room left for it.
      var corner = { box: { left: area.right - 2 - width, right: area.right - 2, top: Math.max(0, area.top - 18) } };
      var place = places.filter(function (p) { return p.free; })[0] || corner;
      ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
      ctx.fillRect(place.box.left, place.box.top, width, 16);
      ctx.fillStyle = (options.colors || FALLBACK_COLORS).target;
      ctx.fillText(text, place.box.right - 2, place.box.top + 15);
      ctx.restore();
      state.marks = [
        {
          target: state.target,
          y: y,
          left: area.left,
          right: area.right,
          labelTop: place.box.top,
          labelLeft: place.box.left,
          labelRight: place.box.right,
        },
      ];
    },
  };

  // ---- ranking -------------------------------------------------------------------------------------

  /* JSON of a ranking:
   * {"title": "...", "unit": "%" | "count",
   *  "rows": [{"label": "Phường Cẩm Thành", "value": 26.15 | null, "target": 30.0 | null,
   *            "status": "met" | "close" | "missed" | null, "url": "/reports/unit/06760/?period=..." | null}],
   *  "labels": {"value": "Tỷ lệ", "target": "Chỉ tiêu", "met": "Đạt", "close": "Gần đạt", "missed": "Chưa đạt",
   *             "none": "Chưa có chỉ tiêu", "noData": "Chưa có số liệu" (optional)}}
   * One bar per row, top to bottom in the order given. Status null (or unknown) = the "none" colour. */
  function statusOf(row) {
    return STATUSES.indexOf(row.status) >= 0 && row.status !== "none" ? row.status : "none";
  }

  function rankingLegendItems(data, colors) {
    var present = {};
    var anyTarget = false;
    data.rows.forEach(function (row) {
      present[statusOf(row)] = true;
      if (isNumber(row.target)) anyTarget = true;
    });
    var items = [];
    STATUSES.forEach(function (status) {
      if (present[status]) items.push({ kind: "bar", color: colors[status], text: data.labels[status], status: status });
    });
    if (anyTarget) items.push({ kind: "mark", color: colors.mark, text: data.labels.target });
    return items;
  }

  function rankingHeight(data) {
    return data.rows.length * ROW_PX + RANKING_CHROME_PX;
  }

  function rankingConfig(data, colors, locale, forExport) {
    var unit = unitOf(data);
    var rows = data.rows;
    var values = rows.map(function (row) {
      return isNumber(row.value) ? row.value : null;
    });
    var highest = 0;
    rows.forEach(function (row) {
      if (isNumber(row.value)) highest = Math.max(highest, row.value);
      if (isNumber(row.target)) highest = Math.max(highest, row.target);
    });
    var xScale = {
      min: 0,
      grid: { color: colors.grid },
      border: { display: false },
      ticks: {
        color: colors.muted,
        callback: function (value) {
          return format(value, unit, locale);
        },
      },
      title: { display: !!data.labels.value, text: data.labels.value, color: colors.muted },
    };
    if (unit === "%") xScale.max = 100;
    else xScale.suggestedMax = highest > 0 ? highest * 1.05 : 10;
    var legendItems = rankingLegendItems(data, colors);

    var config = {
      type: "bar",
      data: {
        labels: rows.map(function (row) {
          return row.label;
        }),
        datasets: [
          {
            label: data.labels.value,
            data: values,
            backgroundColor: rows.map(function (row) {
              return colors[statusOf(row)];
            }),
            borderWidth: 0,
            borderSkipped: false,
            categoryPercentage: 0.86,
            barPercentage: 0.9,
            maxBarThickness: 22,
          },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: !forExport,
        maintainAspectRatio: false,
        animation: forExport ? false : animation(),
        layout: { padding: { right: RANKING_PAD_RIGHT, top: 4 } },
        interaction: { mode: "index", axis: "y", intersect: false },
        scales: {
          x: xScale,
          y: {
            grid: { display: false },
            border: { color: colors.grid },
            ticks: {
              autoSkip: false,
              color: colors.ink,
              font: function (context) {
                return { size: labelSize(context.chart.width) };
              },
              callback: function (value) {
                return shorten(this.getLabelForValue(value), this.chart.width);
              },
            },
          },
        },
        plugins: {
          title: { display: !!forExport && !!data.title, text: data.title, color: colors.ink, font: { size: 16, weight: "bold" }, padding: { bottom: 6 } },
          legend: {
            display: !!forExport,
            position: "top",
            align: "start",
            onClick: null,
            labels: {
              usePointStyle: true,
              color: colors.ink,
              generateLabels: function () {
                return legendItems.map(function (item) {
                  return {
                    text: item.text,
                    fillStyle: item.color,
                    strokeStyle: item.color,
                    lineWidth: item.kind === "mark" ? 3 : 0,
                    pointStyle: item.kind === "mark" ? "line" : "rect",
                    rotation: item.kind === "mark" ? 90 : 0,
                    hidden: false,
                  };
                });
              },
            },
          },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? rows[items[0].dataIndex].label : "";
              },
              label: function (item) {
                return data.labels.value + ": " + format(rows[item.dataIndex].value, unit, locale, valueDecimals(unit));
              },
              afterLabel: function (item) {
                var row = rows[item.dataIndex];
                var lines = [];
                if (isNumber(row.target)) lines.push(data.labels.target + ": " + format(row.target, unit, locale, valueDecimals(unit)));
                lines.push(data.labels[statusOf(row)]);
                return lines;
              },
            },
          },
          dvcRanking: { colors: colors },
        },
      },
      plugins: [backgroundPlugin, rankingPlugin],
    };
    if (forExport) {
      config.options.devicePixelRatio = EXPORT_PIXEL_RATIO;
      config.options.layout.padding = { left: 16, right: RANKING_PAD_RIGHT + 16, top: 12, bottom: 12 };
    } else {
      config.options.onClick = rankingClick;
      config.options.onHover = rankingHover;
    }
    return config;
  }

  function rankingRowAt(chart, event) {
    var area = chart.chartArea;
    if (!area || event.y < area.top || event.y > area.bottom || event.x > area.right + RANKING_PAD_RIGHT) return null;
    var index = Math.round(chart.scales.y.getValueForPixel(event.y));
    var rows = states.get(chart.canvas).rows;
    return index >= 0 && index < rows.length ? rows[index] : null;
  }

  // A click anywhere on a unit's row (its bar, the space beside it, or its name) follows the row's url.
  function rankingClick(event, elements, chart) {
    var row = rankingRowAt(chart, event);
    if (row && row.url) window.location.assign(row.url);
  }

  function rankingHover(event, elements, chart) {
    var row = rankingRowAt(chart, event);
    chart.canvas.style.cursor = row && row.url ? "pointer" : "";
  }

  // ---- trend ---------------------------------------------------------------------------------------

  /* JSON of a trend:
   * {"title": "...", "unit": "%" | "count", "months": ["2019-01", ...],
   *  "series": [{"label": "2019", "values": [26.1, null, ...]},
   *             {"label": "2018", "values": [...], "previous": true}],
   *  "target": 30.0 | null, "labels": {"target": "Chỉ tiêu"}}
   * values[i] belongs to months[i] (a previous-year series is aligned on the same month of its year); null is a
   * gap in the line. The target is drawn as a third dataset (a flat dashed line) labelled at its right end. */
  var CURRENT_EXTRA = ["#0d5aa7", "#7a3e9d", "#00798c"];
  var PREVIOUS_EXTRA = ["#6b8fbf", "#a58bbd", "#5ea5b0"];

  function trendDatasets(data, colors) {
    var current = 0;
    var previous = 0;
    var datasets = data.series.map(function (series) {
      var isPrevious = !!series.previous;
      var color = isPrevious
        ? previous++ === 0
          ? colors.previous
          : PREVIOUS_EXTRA[previous % PREVIOUS_EXTRA.length]
        : current++ === 0
          ? colors.current
          : CURRENT_EXTRA[current % CURRENT_EXTRA.length];
      return {
        label: String(series.label),
        data: data.months.map(function (month, i) {
          var value = series.values ? series.values[i] : null;
          return isNumber(value) ? value : null;
        }),
        borderColor: color,
        backgroundColor: color,
        borderWidth: isPrevious ? 2 : 3,
        borderDash: isPrevious ? [6, 4] : [],
        pointRadius: isPrevious ? 2.5 : 3.5,
        pointHoverRadius: isPrevious ? 4 : 5,
        pointStyle: "circle",
        spanGaps: false,
        tension: 0,
        order: isPrevious ? 2 : 1,
        $dvcRole: isPrevious ? "previous" : "current",
      };
    });
    if (isNumber(data.target)) {
      datasets.push({
        label: data.labels.target,
        data: data.months.map(function () {
          return data.target;
        }),
        borderColor: colors.target,
        backgroundColor: colors.target,
        borderWidth: 1.5,
        borderDash: [3, 3],
        pointRadius: 0,
        pointHoverRadius: 0,
        pointHitRadius: 0,
        tension: 0,
        order: 3,
        $dvcRole: "target",
      });
    }
    return datasets;
  }

  function trendLegendItems(datasets) {
    return datasets.map(function (dataset) {
      return { kind: "line", color: dataset.borderColor, dashed: dataset.borderDash.length > 0, role: dataset.$dvcRole, text: dataset.label };
    });
  }

  function trendConfig(data, colors, locale, forExport) {
    var unit = unitOf(data);
    var datasets = trendDatasets(data, colors);
    var highest = 0;
    datasets.forEach(function (dataset) {
      dataset.data.forEach(function (value) {
        if (isNumber(value)) highest = Math.max(highest, value);
      });
    });
    var yScale = {
      beginAtZero: true,
      suggestedMax: highest > 0 ? highest * 1.15 : 10,
      grid: { color: colors.grid },
      border: { display: false },
      ticks: {
        color: colors.muted,
        callback: function (value) {
          return format(value, unit, locale);
        },
      },
    };
    if (unit === "%" && highest * 1.15 >= 100) {
      delete yScale.suggestedMax;
      yScale.max = 100;
    }
    var config = {
      type: "line",
      data: { labels: data.months.map(monthLabel), datasets: datasets },
      options: {
        // Room above the plot for the target's label when the target is near its top (98,5%).
        layout: { padding: { top: TREND_LABEL_ROOM_PX } },
        responsive: !forExport,
        maintainAspectRatio: false,
        animation: forExport ? false : animation(),
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false }, border: { color: colors.grid }, ticks: { color: colors.ink } },
          y: yScale,
        },
        plugins: {
          title: { display: !!forExport && !!data.title, text: data.title, color: colors.ink, font: { size: 16, weight: "bold" }, padding: { bottom: 6 } },
          legend: {
            display: !!forExport,
            position: "top",
            align: "start",
            onClick: null,
            labels: {
              usePointStyle: true,
              color: colors.ink,
              generateLabels: function (chart) {
                return chart.data.datasets.map(function (dataset, i) {
                  return {
                    text: dataset.label,
                    fillStyle: dataset.borderColor,
                    strokeStyle: dataset.borderColor,
                    lineWidth: 3,
                    lineDash: dataset.borderDash,
                    pointStyle: "line",
                    hidden: false,
                    datasetIndex: i,
                  };
                });
              },
            },
          },
          tooltip: {
            filter: function (item) {
              return isNumber(item.parsed.y);
            },
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + format(item.parsed.y, unit, locale, valueDecimals(unit));
              },
            },
          },
          dvcTrend: { colors: colors },
        },
      },
      plugins: [backgroundPlugin, trendPlugin],
    };
    if (forExport) {
      config.options.devicePixelRatio = EXPORT_PIXEL_RATIO;
      config.options.layout = { padding: { left: 16, right: 24, top: TREND_LABEL_ROOM_PX, bottom: 12 } };
    }
    return config;
  }

  function stateFor(canvas, kind, data, locale) {
    var state = {
      kind: kind,
      data: data,
      rows: data.rows || [],
      unit: unitOf(data),
      target: isNumber(data.target) ? data.target : null,
      labels: data.labels,
      locale: locale,
      marks: [],
    };
    states.set(canvas, state);
    return state;
  }

  // ---- drawing -------------------------------------------------------------------------------------

  function normalise(kind, data) {
    data = assign({}, data);
    data.labels = assign({}, DEFAULT_LABELS, data.labels);
    if (kind === "ranking") {
      data.rows = Array.isArray(data.rows) ? data.rows : [];
    } else {
      data.months = Array.isArray(data.months) ? data.months : [];
      data.series = Array.isArray(data.series) ? data.series : [];
    }
    return data;
  }

  function wrapperOf(canvas) {
    var parent = canvas.parentElement;
    if (parent && parent.classList.contains("chart-wrap")) return parent;
    var wrap = document.createElement("div");
    wrap.className = "chart-wrap";
    parent.insertBefore(wrap, canvas);
    wrap.appendChild(canvas);
    return wrap;
  }

  function heightFor(kind, data, canvas) {
    var explicit = parseInt(canvas.getAttribute("data-height"), 10);
    if (explicit > 0) return explicit;
    return kind === "ranking" ? rankingHeight(data) : TREND_HEIGHT_PX;
  }

  function renderLegend(canvas, wrap, items) {
    var id = window.CSS && window.CSS.escape ? window.CSS.escape(canvas.id) : canvas.id;
    var legend = document.querySelector('[data-chart-legend="' + id + '"]');
    if (!legend) {
      legend = document.createElement("ul");
      legend.setAttribute("data-chart-legend", canvas.id);
      wrap.parentNode.insertBefore(legend, wrap.nextSibling);
    }
    legend.classList.add("chart-legend");
    legend.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "chart-legend__item";
      var swatch = document.createElement("span");
      swatch.className = "chart-legend__swatch chart-legend__swatch--" + item.kind + (item.dashed ? " chart-legend__swatch--dashed" : "");
      swatch.setAttribute("aria-hidden", "true");
      if (item.kind === "line") swatch.style.borderTopColor = item.color;
      else swatch.style.backgroundColor = item.color;
      if (item.status) li.setAttribute("data-status", item.status);
      if (item.role) li.setAttribute("data-role", item.role);
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(item.text));
      legend.appendChild(li);
    });
    return legend;
  }

  function buttonsFor(canvas) {
    return Array.prototype.filter.call(document.querySelectorAll("[data-chart-png]"), function (button) {
      return button.getAttribute("data-chart-png") === canvas.id;
    });
  }

  /* Draws (or redraws) one canvas; returns its Chart, or null when Chart.js, the JSON or the kind is missing. */
  function draw(canvas) {
    if (!canvas) return null;
    if (!window.Chart) {
      if (window.console) console.warn("DvcCharts: Chart.js is not loaded (static/vendor/chartjs/chart.umd.min.js)");
      return null;
    }
    var kind = canvas.getAttribute("data-chart");
    if (kind !== "ranking" && kind !== "trend") return null;
    var raw = readSource(canvas);
    if (!raw) return null;
    var data = normalise(kind, raw);
    if (!canvas.id) canvas.id = "dvc-chart-" + ++counter;
    sources.set(canvas, { kind: kind, data: data });

    if (!canvas.hasAttribute("role")) canvas.setAttribute("role", "img");
    if (!canvas.hasAttribute("aria-label") && data.title) canvas.setAttribute("aria-label", data.title);

    var existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();

    var wrap = wrapperOf(canvas);
    wrap.style.height = heightFor(kind, data, canvas) + "px";
    var colors = colorsFor(canvas);
    var locale = localeOf(canvas);
    var config = kind === "ranking" ? rankingConfig(data, colors, locale, false) : trendConfig(data, colors, locale, false);
    var state = stateFor(canvas, kind, data, locale);
    var chart = new window.Chart(canvas, config);
    chart.$dvc = state;
    charts.set(canvas.id, chart);

    var items = kind === "ranking" ? rankingLegendItems(data, colors) : trendLegendItems(config.data.datasets);
    renderLegend(canvas, wrap, items);
    buttonsFor(canvas).forEach(function (button) {
      button.hidden = false;
    });
    canvas.setAttribute("data-chart-state", "drawn");
    return chart;
  }

  function drawAll(root) {
    var canvases = (root || document).querySelectorAll('canvas[data-chart="ranking"], canvas[data-chart="trend"]');
    var drawn = [];
    Array.prototype.forEach.call(canvases, function (canvas) {
      var chart = draw(canvas);
      if (chart) drawn.push(chart);
    });
    return drawn;
  }

  // ---- PNG -----------------------------------------------------------------------------------------

  /* The PNG is drawn again off screen, at a fixed size (1000 px wide, twice the pixels) with the title and the
   * legend inside the image, so that it reads the same whatever the size of the screen it came from. */
  function pngDataUrl(canvas) {
    var source = sources.get(canvas);
    if (!source || !window.Chart) return null;
    var data = source.data;
    var colors = colorsFor(canvas);
    var locale = localeOf(canvas);
    var config = source.kind === "ranking" ? rankingConfig(data, colors, locale, true) : trendConfig(data, colors, locale, true);
    // Room for the legend (one line at 1000 px), the title and the padding around the image.
    var height = heightFor(source.kind, data, canvas) + 40 + (data.title ? 34 : 0) + 24;
    // In the document (out of sight) so that Chart.js measures it as it measures the page's canvases.
    var holder = document.createElement("div");
    holder.setAttribute("aria-hidden", "true");
    holder.style.cssText = "position:absolute;left:-20000px;top:0;width:" + EXPORT_WIDTH_PX + "px;height:" + height + "px;";
    var offscreen = document.createElement("canvas");
    offscreen.width = EXPORT_WIDTH_PX;
    offscreen.height = height;
    offscreen.style.width = EXPORT_WIDTH_PX + "px";
    offscreen.style.height = height + "px";
    holder.appendChild(offscreen);
    document.body.appendChild(holder);
    stateFor(offscreen, source.kind, data, locale);
    var chart = new window.Chart(offscreen, config);
    var url = chart.toBase64Image("image/png", 1);
    chart.destroy();
    document.body.removeChild(holder);
    return url;
  }

  function downloadPng(canvasId, filename) {
    var canvas = document.getElementById(canvasId);
    if (!canvas) return false;
    var url = pngDataUrl(canvas);
    if (!url) return false;
    var link = document.createElement("a");
    link.href = url;
    link.download = filename || canvas.getAttribute("data-filename") || "bieu-do.png";
    link.style.display = "none";
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-chart-png]") : null;
    if (!button) return;
    event.preventDefault();
    var canvasId = button.getAttribute("data-chart-png");
    var canvas = document.getElementById(canvasId);
    var filename = button.getAttribute("data-filename") || (canvas && canvas.getAttribute("data-filename")) || "bieu-do.png";
    downloadPng(canvasId, filename);
  });

  // ---- print ---------------------------------------------------------------------------------------

  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) {
      var wrap = chart.canvas.parentElement;
      var width = Math.min(wrap ? wrap.clientWidth : PRINT_WIDTH_PX, PRINT_WIDTH_PX);
      chart.resize(width, wrap ? wrap.clientHeight : undefined);
    });
  });
  window.addEventListener("afterprint", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });

  // ---- start ---------------------------------------------------------------------------------------

  function start() {
    if (window.Chart) {
      var css = window.getComputedStyle(document.body);
      window.Chart.defaults.font.family = css.fontFamily || window.Chart.defaults.font.family;
      window.Chart.defaults.font.size = 12;
      window.Chart.defaults.color = FALLBACK_COLORS.ink;
    }
    drawAll(document);
  }

  window.DvcCharts = {
    draw: draw,
    drawAll: drawAll,
    charts: charts,
    format: format,
    downloadPng: downloadPng,
    colors: FALLBACK_COLORS,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
