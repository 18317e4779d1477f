// Each chart's data table, drawn only when someone opens its disclosure ("Show the data as a
// table"): the period callbacks leave the tables in the charts' `-table-data` stores, and this
// copies each into its disclosure on opening, and on every new period while it is open. A closed
// disclosure holds nothing, so a period change draws no hidden tables and an opened one never
// shows a previous period's rows.
(function () {
  var shown = {};  // disclosure id -> the table it holds now (null: none)

  function fill(id, table, clicked) {
    var box = document.getElementById(id);
    // A click on the summary (or Enter on it) opens the disclosure just after this runs, so a
    // click fills it; a new table fills it only while it is open.
    var wanted = clicked || (box !== null && box.open) ? (table === undefined ? null : table) : null;
    if (shown[id] === wanted) {
      return window.dash_clientside.no_update;
    }
    shown[id] = wanted;
    return wanted;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    chartTables: {
      // Arguments: every disclosure's n_clicks, then every chart's table store, then the
      // disclosures' ids, in the same order; one table (or no_update) per chart.
      fill: function () {
        var n = arguments.length / 3;
        var tables = Array.prototype.slice.call(arguments, n, 2 * n);
        var ids = Array.prototype.slice.call(arguments, 2 * n);
        var triggered = (window.dash_clientside.callback_context.triggered || []).map(function (t) {
          return t.prop_id;
        });
        return ids.map(function (id, i) {
          return fill(id, tables[i], triggered.indexOf(id + ".n_clicks") !== -1);
        });
      },
    },
  });
})();
