"""``--model``: what the user's model file is, checked without importing any framework.

Three kinds, told apart by suffix: ``file.py:factory`` (PyTorch: the factory returns a module and
example inputs), ``model.onnx`` and ``model.keras``. Here only paths, names and flags are checked
(the factory's name is looked up in the file's syntax tree, not by running it); loading happens
in a worker process, which reports its own mistakes as one line too.
"""

from __future__ import annotations

import ast
import json
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stackpick.errors import UserError

KINDS = {".py": "pytorch", ".onnx": "onnx", ".keras": "keras"}
DTYPES = ("float32", "int64")
WEIGHT_SUFFIXES = (".pt", ".pth")
FORMS = "file.py:factory (PyTorch), model.onnx or model.keras"
MAX_SOURCE_BYTES = 2 * 2**20  # a model's .py file, parsed here for its factory's name
# (CPython's parser takes about 200 bytes of memory per byte of a long expression)
MAX_METADATA_BYTES = 2**20  # a .keras archive's metadata.json, read here for its version


@dataclass(frozen=True)
class ModelSpec:
    """A user model as the worker needs it. ``shown`` is the text the user typed."""

    kind: str  # pytorch | onnx | keras
    path: str  # absolute
    shown: str
    factory: str | None = None
    input_shapes: tuple[tuple[int, ...], ...] = ()
    input_dtypes: tuple[str, ...] = ()  # one for all inputs, or one per input; () = default
    weights: str | None = None  # absolute path of a .pt/.pth state dict
    saved_by: str | None = None  # the Keras version a .keras file names in its metadata

    @property
    def name(self) -> str:
        """File name plus factory: the workload name of the model's cells (no '/')."""
        base = Path(self.path).name
        return f"{base}:{self.factory}" if self.factory else base

    def dtype_of(self, index: int) -> str:
        """The dtype asked for input ``index`` (float32 when none was given)."""
        if not self.input_dtypes:
            return "float32"
        return self.input_dtypes[index if len(self.input_dtypes) > 1 else 0]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        fields = dict(data)
        fields["input_shapes"] = tuple(tuple(s) for s in fields.get("input_shapes") or ())
        fields["input_dtypes"] = tuple(fields.get("input_dtypes") or ())
        return cls(**fields)


def parse_shape(text: str) -> tuple[int, ...]:
    """``"1,3,224,224"`` -> (1, 3, 224, 224); positive integers only."""
    try:
        dims = tuple(int(d) for d in text.replace("x", ",").split(",") if d.strip())
    except ValueError:
        dims = ()
    if not dims or any(d < 1 for d in dims):
        raise UserError(f"--input-shape {text!r} is not a shape; use positive integers, batch "
                        "first, e.g. --input-shape 1,3,224,224 (repeat it for each input)")
    return dims


def parse_dtypes(text: str | None) -> tuple[str, ...]:
    """``"float32"`` or ``"float32,int64"`` (one per input)."""
    if not text:
        return ()
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [n for n in names if n not in DTYPES]
    if bad or not names:
        raise UserError(f"--input-dtype {text!r} is not valid; use {' or '.join(DTYPES)} "
                        "(one for all inputs, or comma-separated, one per input)")
    return names


def _split(text: str) -> tuple[Path, str | None]:
    """``"dir/file.py:build"`` -> (dir/file.py, "build"); a colon counts only after a model
    file's suffix, so other colons in a path stay in it."""
    head, sep, tail = text.rpartition(":")
    if sep and Path(head).suffix in KINDS:
        return Path(head), tail
    return Path(text), None


def _defined_names(path: Path, shown: str) -> set[str]:
    """Top-level names of a Python file, read from its syntax tree (the file is not run)."""
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise UserError(f"--model {shown}: {path} is {path.stat().st_size:,} bytes, more "
                            f"than the {MAX_SOURCE_BYTES:,} a model's .py file may have; keep "
                            "the model code in a smaller file and load weights with --weights")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        where = f" line {exc.lineno}" if exc.lineno else ""
        raise UserError(f"--model {shown}: {path}{where}: syntax error ({exc.msg}); fix the "
                        "file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"--model {shown}: cannot read {path} ({exc}); check the file") from None
    except (RecursionError, MemoryError, ValueError) as exc:  # nesting the parser cannot hold
        raise UserError(f"--model {shown}: {path} cannot be parsed ({type(exc).__name__}: "
                        "nested too deeply, or null bytes); fix the file") from None
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _check_factory(path: Path, factory: str | None, shown: str) -> None:
    if not factory:
        raise UserError(f"--model {shown}: name the factory function after a colon, e.g. "
                        f"--model {shown}:build (it returns the module and example inputs)")
    if not factory.isidentifier():
        raise UserError(f"--model {shown}: {factory!r} is not a Python name; use file.py:build")
    names = _defined_names(path, shown)
    if factory not in names:
        found = ", ".join(sorted(n for n in names if not n.startswith("_"))) or "nothing"
        raise UserError(f"--model {shown}: {path} defines no top-level {factory!r} (it defines: "
                        f"{found}); name the function that returns the model")


def _keras_saved_by(path: Path, shown: str) -> str | None:
    """The Keras version in a .keras archive's metadata; refuses files that are not archives."""
    try:
        with zipfile.ZipFile(path) as archive:
            if "config.json" not in archive.namelist():
                raise UserError(f"--model {shown}: {path} has no config.json, so it is not a "
                                "Keras 3 model file; re-save it with model.save('model.keras')")
            if "metadata.json" not in archive.namelist():
                return None
            size = archive.getinfo("metadata.json").file_size
            if size > MAX_METADATA_BYTES:  # a zip bomb must not be unpacked in the parent
                raise UserError(f"--model {shown}: {path} has a metadata.json of {size:,} "
                                "bytes unpacked (Keras writes about 100); not a Keras 3 model "
                                "file: re-save it with model.save('model.keras')")
            meta = json.loads(archive.read("metadata.json") or b"{}")
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UserError(f"--model {shown}: {path} is not a Keras 3 .keras archive ({exc}); "
                        "re-save it with model.save('model.keras')") from None
    version = meta.get("keras_version") if isinstance(meta, dict) else None
    return str(version) if version else None


def _weights(text: str | None, kind: str, shown: str) -> str | None:
    if not text:
        return None
    path = Path(text)
    if kind != "pytorch":
        raise UserError(f"--weights {text}: a state dict applies to PyTorch models "
                        f"(file.py:factory), not to {shown}")
    if path.suffix not in WEIGHT_SUFFIXES:
        raise UserError(f"--weights {text}: expected a .pt or .pth state dict "
                        "(torch.save(model.state_dict(), 'weights.pt'))")
    if not path.is_file():
        raise UserError(f"--weights {text}: no such file")
    return str(path.resolve())


def parse_model(text: str, input_shapes: list[str] | None = None,
                input_dtype: str | None = None, weights: str | None = None) -> ModelSpec:
    """Check ``--model`` and its companion flags; raises :class:`UserError` with one line."""
    path, factory = _split(text.strip())
    kind = KINDS.get(path.suffix)
    if path.suffix in WEIGHT_SUFFIXES:
        raise UserError(f"--model {text}: a {path.suffix} file holds weights, not a model; give "
                        "the .py file that builds the module (file.py:build) and pass the state "
                        f"dict as --weights {text}")
    if path.suffix == ".h5":
        raise UserError(f"--model {text}: .h5 is the legacy Keras format; load it with Keras and "
                        "re-save it as model.keras (model.save('model.keras'))")
    if kind is None:
        raise UserError(f"--model {text}: unknown kind of model file; give {FORMS}")
    if not path.is_file():
        raise UserError(f"--model {text}: no such file {path}; give {FORMS}")
    if factory and kind != "pytorch":
        raise UserError(f"--model {text}: a factory name applies to .py files only")
    if kind == "pytorch":
        _check_factory(path, factory, text)
    saved_by = _keras_saved_by(path, text) if kind == "keras" else None
    shapes = tuple(parse_shape(s) for s in input_shapes or ())
    dtypes = parse_dtypes(input_dtype)
    if len(dtypes) > 1 and shapes and len(dtypes) != len(shapes):
        raise UserError(f"--input-dtype {input_dtype!r} names {len(dtypes)} dtypes for "
                        f"{len(shapes)} --input-shape values; give one, or one per input")
    return ModelSpec(kind, str(path.resolve()), text, factory, shapes, dtypes,
                     _weights(weights, kind, text), saved_by)
