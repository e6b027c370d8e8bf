async function renderCharts() {
  const figures = JSON.parse(document.getElementById("figures").textContent);
  await loadPlotly();
  let rendered = 0;
  for (const chart of figures) {
    const element = document.getElementById("chart-" + chart.key);
    try {
      await Plotly.newPlot(element, chart.figure.data, chart.figure.layout,
                           {displaylogo: false, responsive: true});
      if (element.querySelector("svg.main-svg")) {
        rendered += 1;
        element.dataset.rendered = "yes";
      }
    } catch (error) {
      recordScriptError("chart " + chart.key + ": " + (error.stack || error));
    }
  }
  document.body.dataset.chartsRendered = rendered;
}
renderCharts()
  .catch((error) => recordScriptError(error.stack || error))
  .finally(() => { document.body.dataset.render = "done"; });
