// The page side of a stackpick browser cell. The worker (over the DevTools protocol) calls
// stackpick.init(cfg) once per page load, then run / output / time / sample. Clocks are read
// with performance.now() here, in the page, so no protocol round trip is ever timed.

// Requests the Content Security Policy refused (it admits this origin only): the worker's
// guard fails a cell on any, beside what the DevTools protocol saw leave the page.
const blocked = [];
document.addEventListener("securitypolicyviolation", (e) => blocked.push(e.blockedURI));

let runner = null;
let last = null;
let firstOutputMs = null;

// Why a GPU variant cannot run here, or null. Software adapters (SwiftShader) emulate a GPU
// on the CPU: a number from them would describe no GPU, so they count as unavailable.
export async function gpuProblem(kind) {
  if (kind === "webgpu") {
    if (!("gpu" in navigator)) return "navigator.gpu is undefined: this Chromium exposes no WebGPU";
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return "navigator.gpu.requestAdapter() returned null: no WebGPU adapter (no GPU visible to headless Chromium)";
    const info = adapter.info || {};
    if (info.isFallbackAdapter || /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`))
      return `only a software WebGPU adapter (${info.vendor} ${info.architecture}) is exposed: no GPU`;
    return null;
  }
  if (kind === "webgl") {
    const gl = document.createElement("canvas").getContext("webgl2");
    if (!gl) return "no WebGL2 context: headless Chromium has no GPU and no software fallback enabled";
    const ext = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    if (/swiftshader|llvmpipe|software/i.test(renderer)) return `only a software WebGL renderer (${renderer}): no GPU`;
    return null;
  }
  return null;
}

export async function fetchArray(url, dtype = "float32") {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url}: ${response.status}`);
  const buffer = await response.arrayBuffer();
  return dtype === "int64" ? new BigInt64Array(buffer) : new Float32Array(buffer);
}

async function load(cfg) {
  const problem = await gpuProblem(cfg.variant);
  if (problem) throw new Error(`unavailable: ${problem}`);
  const mod = await import(`./${cfg.runtime}_runner.js`);
  return mod.load(cfg);
}

async function init(cfg) {
  const t0 = performance.now();
  const cores = navigator.hardwareConcurrency; // before a runner may adjust what it reports
  runner = await load(cfg);
  return { ...runner.info, init_ms: performance.now() - t0, page_ms: t0,
           isolated: self.crossOriginIsolated, cores };
}

async function run() {
  last = await runner.run();
  if (firstOutputMs === null) firstOutputMs = performance.now(); // since navigation start
  return true;
}

function output() {
  return { values: Array.from(last), first_output_ms: firstOutputMs };
}

// `count` samples of `loops` calls each: nanoseconds per sample.
async function time(loops, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    for (let j = 0; j < loops; j++) last = await runner.run();
    out.push((performance.now() - t0) * 1e6);
  }
  return out;
}

// Per-call nanoseconds for about budgetMs (at least one sample), as timing.take_samples does.
async function sample(loops, budgetMs, maxSamples) {
  const out = [];
  const deadline = performance.now() + budgetMs;
  for (;;) {
    const t0 = performance.now();
    for (let j = 0; j < loops; j++) last = await runner.run();
    const t1 = performance.now();
    out.push(((t1 - t0) * 1e6) / loops);
    if (t1 >= deadline || out.length >= maxSamples) return out;
  }
}

window.stackpick = { init, run, output, time, sample, blocked, ready: true };
