// The live card's age and stale state, computed in the browser every second (no request).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  chatAnalytics: {
    liveAge: function (_n, stamp) {
      if (!stamp || !stamp.at_ms) {
        return ["Waiting for the first update…", "live", "secondary"];
      }
      var age = Math.max(0, Math.round((Date.now() - stamp.at_ms) / 1000));
      var at = new Date(stamp.at_ms);
      var clock = at.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: stamp.zone || undefined, timeZoneName: "short"});
      var text = "Updated " + (age < 60 ? age + " s" : Math.floor(age / 60) + " min") + " ago (" + clock + ")";
      var stale = stamp.failed || age * 1000 > 2 * (stamp.interval_ms || 30000);
      if (stamp.failed) {
        text = "Not updated: the database is not answering · last count " + clock;
      }
      return [text, stale ? "stale" : "live", stale ? "warning" : "success"];
    }
  }
});
