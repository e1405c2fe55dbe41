"""Where a measurement was taken (its device class), and which targets it may speak for.

One place for the mapping, so evidence is scored only where it was measured:

* ``onnxruntime-web`` / ``tfjs`` run in headless Chromium -> ``browser``;
* a ``cuda`` device -> ``nvidia-gpu``;
* ``litert`` / ``executorch`` on the host CPU -> ``on-device-proxy``: the runtime phones and
  microcontrollers use, timed on an x86 host - a labelled proxy, never the device itself;
* any other backend on ``cpu`` -> ``x86-cpu`` (stackpick measures on the machine it runs on;
  an ``arm``/``aarch64`` device string maps to ``arm-cpu``).
"""

from __future__ import annotations

BROWSER_BACKENDS = ("onnxruntime-web", "tfjs")
ON_DEVICE_BACKENDS = ("litert", "executorch")
PROXY = "on-device-proxy"
CLASS_LABEL = {
    "x86-cpu": "x86 CPU",
    "arm-cpu": "Arm CPU",
    "nvidia-gpu": "NVIDIA GPU",
    "browser": "headless Chromium (browser)",
    PROXY: "host x86 CPU, as a proxy for arm-cpu/android/ios/microcontroller",
}
# target -> the device classes whose measurements may score it, best first
TARGET_CLASSES: dict[str, tuple[str, ...]] = {
    "x86-cpu": ("x86-cpu",),
    "arm-cpu": ("arm-cpu", PROXY),
    "nvidia-gpu": ("nvidia-gpu",),
    "android": (PROXY,),
    "ios": (PROXY,),
    "microcontroller": (PROXY,),
    "browser": ("browser",),
    "desktop": ("x86-cpu", PROXY),
    "serverless": ("x86-cpu",),
}
MEASURE_HINT = {
    "x86-cpu": "stackpick bench --workload all --backends all --task inference,training",
    "nvidia-gpu": "stackpick bench --workload all --backends all --device cuda (on an NVIDIA "
                  "machine)",
    PROXY: "stackpick bench --workload all --backends litert,executorch --task inference",
    "browser": "stackpick bench --workload all --backends onnxruntime-web,tfjs --task inference",
}


def device_class(backend: str, device: str) -> str:
    """The device class of one measured cell (see the module docstring)."""
    base = backend.partition(":")[0]
    dev = (device or "cpu").lower()
    if base in BROWSER_BACKENDS:
        return "browser"
    if dev.startswith("cuda") or dev.startswith("gpu"):
        return "nvidia-gpu"
    if base in ON_DEVICE_BACKENDS:
        return PROXY
    if "arm" in dev or "aarch64" in dev:
        return "arm-cpu"
    return "x86-cpu"


def classes_for(target: str) -> tuple[str, ...]:
    """Device classes whose measurements count for ``target`` (empty: nothing can measure it
    here, e.g. tpu or aws-neuron)."""
    return TARGET_CLASSES.get(target, ())


def measure_command(target: str) -> str | None:
    """The command that would measure for ``target``, or None when stackpick cannot."""
    classes = classes_for(target)
    return MEASURE_HINT.get(classes[0]) if classes else None


def describe(device_cls: str) -> str:
    return CLASS_LABEL.get(device_cls, device_cls)
