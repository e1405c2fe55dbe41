"""Where a measurement was taken (its device class), and which targets it may speak for.

One place for the mapping, so evidence is scored only where it was measured:

* a backend whose spec's role is ``browser`` (``onnxruntime-web``, ``tfjs``) runs in headless
  Chromium -> ``browser``;
* a ``cuda`` device -> ``nvidia-gpu``;
* an ``on-device`` runtime (``litert``, ``executorch``) on the host CPU -> ``on-device-proxy``:
  the runtime phones and microcontrollers use, timed on an x86 host - a labelled proxy, never
  the device itself;
* any other backend on ``cpu`` -> ``x86-cpu`` (stackpick measures on the machine it runs on;
  an ``arm``/``aarch64`` device string maps to ``arm-cpu``).

A backend this installation does not know (a stored run's) counts as a host backend.
"""

from __future__ import annotations

from stackpick.registry import all_specs, lookup

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


def _named(role: str) -> str:
    return ",".join(s.name for s in all_specs().values() if s.role == role)


def measure_hints() -> dict[str, str]:
    """Device class -> the command that measures for it (backends named from their specs)."""
    return {
        "x86-cpu": "stackpick bench --workload all --backends all --task inference,training",
        "nvidia-gpu": "stackpick bench --workload all --backends all --device cuda (on an "
                      "NVIDIA machine)",
        PROXY: f"stackpick bench --workload all --backends {_named('on-device')} "
               "--task inference",
        "browser": f"stackpick bench --workload all --backends {_named('browser')} "
                   "--task inference",
    }


def device_class(backend: str, device: str) -> str:
    """The device class of one measured cell (see the module docstring)."""
    spec = lookup(backend)
    role = spec.role if spec else "in-process"
    dev = (device or "cpu").lower()
    if role == "browser":
        return "browser"
    if dev.startswith("cuda") or dev.startswith("gpu"):
        return "nvidia-gpu"
    if role == "on-device":
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
    return measure_hints().get(classes[0]) if classes else None


def describe(device_cls: str) -> str:
    return CLASS_LABEL.get(device_cls, device_cls)
