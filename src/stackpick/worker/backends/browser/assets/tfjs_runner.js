// TensorFlow.js: the seeded weights (TF.js weights format) and the model written with tf ops.
import { fetchArray } from "./harness.js";

function script(src) {
  return new Promise((resolve, reject) => {
    const el = document.createElement("script");
    el.src = src;
    el.onload = resolve;
    el.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(el);
  });
}

function mlp(w, spec) {
  const n = spec.layers;
  return (x) => {
    let h = x;
    for (let i = 1; i <= n; i++) {
      h = tf.add(tf.matMul(h, w[`fc${i}.W`]), w[`fc${i}.b`]);
      if (i < n) h = tf.relu(h);
    }
    return h;
  };
}

// NHWC throughout (TF.js's native layout); filters are [k, k, c_in, c_out]; a numeric pad is
// the same explicit padding on every side, as the workload's reference pads.
function cnn(w, spec) {
  const convBn = (h, name) => {
    const [stride, pad] = spec.convs[name];
    const z = tf.conv2d(h, w[`${name}.W`], stride, pad === 0 ? "valid" : pad);
    return tf.batchNorm(z, w[`${name}.bn.mean`], w[`${name}.bn.var`], w[`${name}.bn.beta`],
                        w[`${name}.bn.gamma`], spec.eps);
  };
  return (x) => {
    let h = tf.relu(convBn(x, "stem"));
    let r = tf.relu(convBn(h, "block1.conv1"));
    h = tf.relu(tf.add(convBn(r, "block1.conv2"), h));
    r = tf.relu(convBn(h, "block2.conv1"));
    h = tf.relu(tf.add(convBn(r, "block2.conv2"), convBn(h, "block2.shortcut")));
    return tf.add(tf.matMul(tf.mean(h, [1, 2]), w["head.W"]), w["head.b"]);
  };
}

const MODELS = { mlp, cnn };

async function backend(cfg) {
  await script("./tfjs/tf.es2017.min.js");
  if (cfg.variant === "wasm") {
    await script("./tfjs-wasm/tf-backend-wasm.es2017.min.js");
    tf.wasm.setWasmPaths(new URL("./tfjs-wasm/", location.href).href);
    tf.wasm.setThreadsCount(cfg.threads);
    // TF.js's wasm build caps its pool at hardwareConcurrency / 2, assuming two hardware
    // threads per core (tensorflow/tfjs#4972, #8513): on a machine without SMT that cap
    // halves the asked count. The page reports enough logical CPUs for the asked count to
    // pass; getThreadsCount() below reads back what the pool really has.
    const needed = 2 * cfg.threads;
    if (navigator.hardwareConcurrency < needed)
      Object.defineProperty(Navigator.prototype, "hardwareConcurrency", { get: () => needed });
  } else if (cfg.variant === "webgpu") {
    await script("./tfjs-webgpu/tf-backend-webgpu.es2017.min.js");
  }
  if (!(await tf.setBackend(cfg.variant))) throw new Error(`tf.setBackend('${cfg.variant}') failed`);
  await tf.ready();
  if (cfg.variant === "wasm") return tf.wasm.getThreadsCount();
  return cfg.variant === "cpu" ? 1 : null; // the cpu backend is plain single-threaded JS
}

export async function load(cfg) {
  const threads = await backend(cfg);
  const info = { threads, version: tf.version.tfjs, provider: tf.getBackend() };
  if (!cfg.manifest) return { run: async () => new Float32Array(0), info };
  const weights = await tf.io.loadWeights(cfg.manifest, new URL("./model/", location.href).href);
  const forward = MODELS[cfg.workload](weights, cfg.spec);
  const x = tf.tensor(await fetchArray(cfg.input), cfg.input_shape);
  return {
    run: async () => {
      const y = tf.tidy(() => forward(x));
      const data = await y.data(); // materialised on the host before the clock stops
      y.dispose();
      return data;
    },
    info,
  };
}
