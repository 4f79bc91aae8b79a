// Draws each chart from the figure embedded in its page, and filters the town list as the reader types.
// Loaded with `defer` after plotly.min.js, so the page is parsed and Plotly is defined when this runs.
"use strict";

// window.chartsDrawn settles once every chart is drawn, so a reader (or a test) can wait for it.
window.chartsDrawn = Promise.all(Array.from(document.querySelectorAll("script.chart-spec"), (spec) => {
  const figure = JSON.parse(spec.textContent);
  return Plotly.newPlot(spec.dataset.target, figure.data, figure.layout, figure.config);
}));

const search = document.getElementById("town-search");
if (search) {
  const items = Array.from(document.querySelectorAll("#town-list li"));
  const count = document.getElementById("town-count");
  const apply = () => {
    const query = search.value.trim().toLowerCase();
    let shown = 0;
    for (const item of items) {
      const match = item.dataset.name.includes(query);
      item.hidden = !match;
      shown += match ? 1 : 0;
    }
    count.textContent = `${shown} of ${items.length} towns`;
  };
  search.addEventListener("input", apply);
  apply();
}

// A town map's chooser shows another of the views the page embeds: each town's shade class and hover text, and
// the legend; the page draws the first view without this script.
for (const figure of document.querySelectorAll("figure.town-map")) {
  const chooser = figure.querySelector("select.map-chooser");
  if (!chooser) continue;
  const views = JSON.parse(figure.querySelector("script.map-views").textContent);
  chooser.addEventListener("change", () => {
    const view = views[Number(chooser.value)];
    for (const path of figure.querySelectorAll("path.town")) {
      path.setAttribute("class", `town ${view.classes[path.dataset.town]}`);
      path.querySelector("title").textContent = view.titles[path.dataset.town];
    }
    figure.querySelector(".map-title").textContent = view.label;
    const items = figure.querySelectorAll(".map-legend li");
    view.legend.forEach(([cls, label], i) => {
      items[i].querySelector("rect").setAttribute("class", cls);
      items[i].querySelector("span").textContent = label;
      items[i].hidden = false;
    });
    for (let i = view.legend.length; i < items.length; i++) items[i].hidden = true;
  });
}
