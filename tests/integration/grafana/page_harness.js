// Runs the fake dashboard page's inline script against a minimal DOM and reports the render signals
// (what grafana-image-renderer polls): the scene context and the running-query count over time.
const vm = require("vm");

const { script, bodies } = JSON.parse(process.argv[2]);
const listeners = {};
const filled = new Set();
const document = {
  addEventListener: (event, fn) => { listeners[event] = fn; },
  querySelectorAll: () => bodies.map((id) => ({
    getAttribute: () => id,
    content: { cloneNode: () => ({ id }) },
  })),
  getElementById: (id) => ({
    set innerHTML(_) {},
    appendChild: () => filled.add(id),
  }),
};
const window = {};
vm.runInContext(script, vm.createContext({ window, document, setTimeout }));
const initial = window.__grafanaRunningQueryCount;
listeners.DOMContentLoaded();
let midway = null;
setTimeout(() => { midway = window.__grafanaRunningQueryCount; }, 1);
const giveUp = setTimeout(() => {
  console.log(JSON.stringify({ initial, midway, final: window.__grafanaRunningQueryCount }));
  process.exit(0);
}, 10000);
const poll = setInterval(() => {
  if (window.__grafanaRunningQueryCount === 0) {
    clearInterval(poll);
    clearTimeout(giveUp);
    console.log(JSON.stringify({
      scene: !!window.__grafanaSceneContext, initial, midway, final: 0, filled: filled.size,
    }));
  }
}, 5);
