window.replayScriptErrors = [];
function recordScriptError(message) {
  window.replayScriptErrors.push(String(message));
  const out = document.getElementById("script-errors");
  if (out) { out.textContent = window.replayScriptErrors.join("\n"); out.hidden = false; }
  if (document.body) document.body.dataset.scriptErrors = window.replayScriptErrors.length;
}
window.addEventListener("error", (e) => recordScriptError(e.message || e));
window.addEventListener("unhandledrejection", (e) => recordScriptError(
  (e.reason && (e.reason.stack || e.reason.message)) || e.reason));
