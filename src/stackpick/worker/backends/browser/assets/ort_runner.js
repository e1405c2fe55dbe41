// ONNX Runtime Web: the dynamo-exported ONNX file on the wasm or WebGPU execution provider.
import { fetchArray } from "./harness.js";

export async function load(cfg) {
  const bundle = cfg.variant === "webgpu" ? "./ort/ort.webgpu.min.mjs" : "./ort/ort.wasm.min.mjs";
  const ort = await import(bundle);
  ort.env.wasm.numThreads = cfg.threads;
  ort.env.wasm.proxy = false; // run on this thread: a proxy worker would add a hop per call
  ort.env.wasm.wasmPaths = new URL("./ort/", location.href).href;
  const session = await ort.InferenceSession.create(cfg.model, {
    executionProviders: [cfg.variant], graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  const feeds = {};
  if (cfg.input) {
    const dtype = cfg.input_dtype || "float32"; // token ids stay int64
    const data = await fetchArray(cfg.input, dtype);
    feeds[session.inputNames[0]] = new ort.Tensor(dtype, data, cfg.input_shape);
  }
  const name = session.outputNames[0];
  return {
    // Outputs of the wasm EP (and WebGPU's default 'cpu' output location) are host arrays.
    run: async () => (await session.run(feeds))[name].data,
    // ORT falls back to one thread (and says so only on the console) when the page is not
    // cross-origin isolated; env.wasm.numThreads holds what it really used.
    info: { threads: ort.env.wasm.numThreads, version: ort.env.versions?.web ?? null,
            provider: cfg.variant },
  };
}
