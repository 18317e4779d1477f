// The browser's own String.prototype.trim, parseInt and parseFloat, kept under the polyfill Dash
// loads (@babel/polyfill 7, core-js 2). core-js 2 still counts U+180E as white space, which
// browsers stopped doing with Unicode 6.3, so it swaps all three for slower script versions; plotly
// calls them for every colour, number and label it parses while drawing a chart.
//
// This file runs twice: first from the page's <head> (app.INDEX), before any of Dash's scripts,
// where it notes the browser's functions; then as one of Dash's assets, after the polyfill, where
// it puts back those the polyfill replaced. The only difference is U+180E (MONGOLIAN VOWEL
// SEPARATOR) at either end of a string, which the browser's functions keep, as the standard says.
(function () {
  var saved = window.__nativeStrings;
  if (!saved) {
    window.__nativeStrings = {
      trim: String.prototype.trim,
      parseInt: window.parseInt,
      parseFloat: window.parseFloat,
    };
    return;
  }
  if (String.prototype.trim !== saved.trim) {
    Object.defineProperty(String.prototype, "trim", {
      value: saved.trim, writable: true, configurable: true, enumerable: false,
    });
  }
  if (window.parseInt !== saved.parseInt) {
    window.parseInt = saved.parseInt;
    Number.parseInt = saved.parseInt;
  }
  if (window.parseFloat !== saved.parseFloat) {
    window.parseFloat = saved.parseFloat;
    Number.parseFloat = saved.parseFloat;
  }
})();
