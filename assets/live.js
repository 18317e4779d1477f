// The live card's age and stale state, computed in the browser every second (no request).
(function () {
  // The last successful count's time, remembered in this tab: the server builds each stamp from
  // its settings alone and so cannot say when the browser last saw a count.
  var lastOkMs = null;

  function clockOf(ms, zone) {
    return new Date(ms).toLocaleTimeString([], {
      hour: "2-digit", minute: "2-digit", second: "2-digit",
      timeZone: zone || undefined, timeZoneName: "short",
    });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    chatAnalytics: {
      liveAge: function (_n, stamp) {
        stamp = stamp || {};
        if (stamp.at_ms) {
          lastOkMs = stamp.at_ms;
        }
        if (stamp.failed) {
          var since = lastOkMs ? " · last count " + clockOf(lastOkMs, stamp.zone) : "";
          return ["Not updated: the database is not answering" + since, "stale", "warning"];
        }
        if (!stamp.at_ms) {
          return ["Waiting for the first update…", "live", "secondary"];
        }
        var age = Math.max(0, Math.round((Date.now() - stamp.at_ms) / 1000));
        var text = "Updated " + (age < 60 ? age + " s" : Math.floor(age / 60) + " min") + " ago ("
          + clockOf(stamp.at_ms, stamp.zone) + ")";
        var stale = age * 1000 > 2 * (stamp.interval_ms || 30000);
        return [text, stale ? "stale" : "live", stale ? "warning" : "success"];
      },
    },
  });
})();
