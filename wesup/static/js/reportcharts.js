// The report's charts, drawn with Chart.js (npm chart.js, served by wesup/vendor.py as the
// global Chart): received vs resolved over the period, the spread of time to resolve, each
// person's load. Colors come from the page's CSS custom properties (--chart-*), so the charts
// read as well as the page in either theme, and print.
//
//   charts = drawCharts(data.charts);          // first paint
//   charts = drawCharts(fresh.charts, charts); // live: the same charts, new numbers

/* global Chart */

function palette() {
  const css = getComputedStyle(document.documentElement);
  const read = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    ink: read("--chart-ink", "#1b1f24"),
    grid: read("--chart-grid", "#dfe3e8"),
    received: read("--chart-received", "#1f6feb"),
    resolved: read("--chart-resolved", "#2e7d32"),
    open: read("--chart-open", "#a15c00"),
  };
}

const locale = () => document.documentElement.lang || undefined;

function axes(colors, { stacked = false, horizontal = false } = {}) {
  const common = { ticks: { color: colors.ink }, grid: { color: colors.grid } };
  const count = { ...common, beginAtZero: true, stacked, ticks: { ...common.ticks, precision: 0 } };
  const category = { ...common, stacked, grid: { display: false } };
  return horizontal ? { x: count, y: category } : { x: category, y: count };
}

// Each chart as Chart.js wants it, from the server's chart data (wesup/reports/charts.py).
const BUILDERS = {
  flow: (data, colors) => ({
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.names.received, data: data.received, backgroundColor: colors.received },
        { label: data.names.resolved, data: data.resolved, backgroundColor: colors.resolved },
      ],
    },
    options: { scales: axes(colors) },
  }),
  resolve: (data, colors) => ({
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: data.names.tasks, data: data.counts, backgroundColor: colors.resolved }],
    },
    options: { scales: axes(colors), plugins: { legend: { display: false } } },
  }),
  load: (data, colors) => ({
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.names.resolved, data: data.resolved, backgroundColor: colors.resolved },
        { label: data.names.open_at_end, data: data.open_at_end, backgroundColor: colors.open },
      ],
    },
    options: { indexAxis: "y", scales: axes(colors, { stacked: true, horizontal: true }) },
  }),
};

function configure(config, colors) {
  config.options = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false, // live numbers change in place; print gets the final frame
    locale: locale(),
    ...config.options,
    plugins: {
      legend: { labels: { color: colors.ink } },
      ...config.options.plugins,
    },
  };
  return config;
}

// Draw (or redraw in place) every <canvas data-chart=name> of the page.
export function drawCharts(data, drawn = {}) {
  if (typeof Chart === "undefined" || !data) return drawn;
  const colors = palette();
  const charts = { ...drawn };
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const name = canvas.dataset.chart;
    if (!data[name] || !BUILDERS[name]) continue;
    const config = configure(BUILDERS[name](data[name], colors), colors);
    const chart = charts[name];
    if (chart) {
      chart.data = config.data;
      chart.update();
    } else {
      charts[name] = new Chart(canvas, config);
    }
    canvas.dataset.drawn = "yes"; // the browser test waits for this
  }
  return charts;
}
