"""kda's runner for Python code: a definition's PyTorch reference, and candidates written in
Python, Triton, or C++/CUDA bound to torch (docs/evaluator.md, "The Python runner").

The judge starts this file with the machine's python3 instead of kda-runner. It loads
libkda-pyrunner.so (kda-runner's own code as a library) with ctypes and hands it two callbacks:
`load`, which imports the candidate once the process is confined, and `entry`, which the runner
calls exactly where it would call a native kda_entry: inside its timer, on its buffers. The
protocol, the buffers, the poisoning, the hashes, the timer and the sandbox are all the native
runner's, so every rule of the evaluator applies unchanged. Tensors reach Python through DLPack
(torch.from_dlpack on the runner's own memory): nothing is copied.

Own arguments (the rest go to the runner unchanged, see tools/runner/runner_main.cc):
  --core LIB            libkda-pyrunner.so
  --py-root DIR         the solution's staged sources (read-only inside the sandbox)
  --py-entry FILE::FN   the entry point, FILE relative to DIR (.py, or the torch extension .so)
  --py-kind KIND        module (Python or Triton source) | extension (torch C++/CUDA extension)
  --py-style STYLE      dps: outputs are passed after the inputs and written in place;
                        value: the function returns the outputs (a tensor or a tuple)
  --py-inputs D,D,...   the definition's input dtypes, in order (DLPack cannot tell e4m3 from e5m2)
  --py-outputs D,D,...  the same for the outputs
  --py-jit              the code JIT-compiles (Triton): child processes (ptxas, cc) stay allowed
"""

import ctypes
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import traceback

OWN_FLAGS = {"--core", "--py-root", "--py-entry", "--py-kind", "--py-style", "--py-inputs", "--py-outputs"}
OWN_SWITCHES = {"--py-jit"}

# Types DLPack cannot name unambiguously: they travel as uint8 and are viewed as themselves.
ONE_BYTE_TYPES = {"float8_e4m3fn", "float8_e5m2", "bool", "int8", "float4_e2m1"}

# Return codes the judge maps to verdicts (src/eval/judge_impl.h, check_call).
RC_ERROR, RC_SHAPE, RC_DTYPE = 1, 2, 3


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    pass


DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER)]

LOAD_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int)  # a buffer to fill, not a string
ENTRY_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(DLTensor), ctypes.c_int, ctypes.POINTER(DLTensor),
                            ctypes.c_int, ctypes.c_void_p)


class Hooks(ctypes.Structure):
    _fields_ = [("load", LOAD_FN), ("entry", ENTRY_FN), ("read_only", ctypes.POINTER(ctypes.c_char_p)),
                ("allow_process_creation", ctypes.c_int)]


class CallError(Exception):
    def __init__(self, rc, message):
        super().__init__(message)
        self.rc = rc


def split_args(argv):
    own, rest, i = {}, [], 0
    while i < len(argv):
        a = argv[i]
        if a in OWN_FLAGS and i + 1 < len(argv):
            own[a] = argv[i + 1]
            i += 2
        elif a in OWN_SWITCHES:
            own[a] = True
            i += 1
        else:
            rest.append(a)
            i += 1
    return own, rest


def runner_flag(rest, name, default=None):
    for i, a in enumerate(rest[:-1]):
        if a == name:
            return rest[i + 1]
    return default


def short_error(exc, root=None):
    """The exception and where in the solution's own files it was raised, for the judge's reason:
    frames of this runner are left out, and the staged sources' directory is cut from paths."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename) != os.path.abspath(__file__) and not f.filename.startswith("<frozen")]
    where = []
    for f in frames[-3:]:
        name = f.filename
        if root and name.startswith(root.rstrip("/") + "/"):
            name = name[len(root.rstrip("/")) + 1:]
        where.append("%s:%d in %s" % (name, f.lineno, f.name))
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    if root:
        text = text.replace(root.rstrip("/") + "/", "")
    return (text + (" (at " + " <- ".join(reversed(where)) + ")" if where else ""))[-3000:]


class Runner:
    def __init__(self, own, rest, core):
        self.core = core
        self.root = own["--py-root"]
        self.entry_file, _, self.entry_symbol = own["--py-entry"].partition("::")
        self.kind = own.get("--py-kind", "module")
        self.dps = own.get("--py-style", "dps") == "dps"
        self.in_dtypes = [d for d in own.get("--py-inputs", "").split(",") if d]
        self.out_dtypes = [d for d in own.get("--py-outputs", "").split(",") if d]
        self.backend = runner_flag(rest, "--backend", "cpu")
        self.fn = None
        self.streams = {}
        self.alive = {}
        self.deleter = DELETER(self._release)
        self.torch = None

    # ---- before confinement -------------------------------------------------------------
    def prepare(self, scratch, jit):
        """Imports what needs the unconfined process: torch, and on a GPU its CUDA context."""
        if scratch:
            os.environ["TRITON_CACHE_DIR"] = os.path.join(scratch, "triton")
            os.environ["TORCH_EXTENSIONS_DIR"] = os.path.join(scratch, "torch_extensions")
            os.environ["TMPDIR"] = scratch
        import torch  # noqa: F401  (a missing torch is reported by main())
        import torch.utils.dlpack
        self.torch = torch
        self.dtypes = dtype_table(torch)
        if self.backend == "cuda":
            if not torch.cuda.is_available():
                raise EnvironmentError("this Python's torch sees no CUDA device (torch %s)" % torch.__version__)
            torch.empty(1, device="cuda")  # creates the context before the sandbox closes /proc paths
            if jit:
                try:
                    import triton  # noqa: F401
                    from triton.runtime import driver
                    driver.active.get_current_device()  # builds Triton's CUDA helper module now
                except ImportError:
                    pass
        if self.backend == "cpu":
            install_cpu_half_matmul(torch)
        for name in self.in_dtypes + self.out_dtypes:
            if name not in self.dtypes:
                raise EnvironmentError("torch %s has no dtype for '%s'" % (torch.__version__, name))

    def read_only_paths(self):
        paths = {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)}
        for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)),
                  os.path.dirname(os.path.realpath(self.torch.__file__)), self.root):
            paths.add(os.path.realpath(p))
        return sorted(paths)

    # ---- after confinement ---------------------------------------------------------------
    def load(self, error, size):
        try:
            self.fn = self._import_entry()
            return 0
        except BaseException as exc:  # the candidate's import is candidate code: report, never die
            msg = ("cannot load %s: %s" % (self.entry_file, short_error(exc, self.root))).encode("utf-8", "replace")
            ctypes.memmove(error, msg[: size - 1], min(len(msg), size - 1))
            return 1

    def _import_entry(self):
        path = os.path.join(self.root, self.entry_file)
        if self.kind == "extension":
            name = os.path.basename(path).split(".")[0]
            loader = importlib.machinery.ExtensionFileLoader(name, path)
            spec = importlib.util.spec_from_file_location(name, path, loader=loader)
            module = importlib.util.module_from_spec(spec)
            loader.exec_module(module)
        else:
            # The sources as one package, as flashinfer-bench imports them, so that relative
            # imports between a solution's files work; its root is on sys.path for absolute ones.
            package = importlib.util.module_from_spec(importlib.machinery.ModuleSpec("kda_solution", None, is_package=True))
            package.__path__ = [self.root]
            sys.modules["kda_solution"] = package
            sys.path.insert(0, self.root)
            module = importlib.import_module("kda_solution." + self.entry_file[:-3].replace("/", "."))
        fn = getattr(module, self.entry_symbol, None)
        if fn is None or not callable(fn):
            raise AttributeError("%s has no callable '%s'" % (self.entry_file, self.entry_symbol))
        return fn

    def entry(self, inputs, n_in, outputs, n_out, stream):
        try:
            self._call(inputs, n_in, outputs, n_out, stream)
            return 0
        except CallError as exc:
            self.core.kda_runner_set_error(str(exc).encode("utf-8", "replace"))
            return exc.rc
        except BaseException as exc:  # SystemExit too: a candidate's exit is its call failing
            self.core.kda_runner_set_error(short_error(exc, self.root).encode("utf-8", "replace"))
            return RC_ERROR

    def _call(self, inputs, n_in, outputs, n_out, stream):
        torch = self.torch
        args = [self._argument(inputs[i], self.in_dtypes[i] if i < len(self.in_dtypes) else None) for i in range(n_in)]
        outs = [self._tensor(outputs[i], self.out_dtypes[i] if i < len(self.out_dtypes) else None) for i in range(n_out)]
        with torch.no_grad(), self._stream(stream):
            if self.dps:
                self.fn(*args, *outs)
                return
            result = self.fn(*args)
            if isinstance(result, torch.Tensor):
                result = (result,)
            if not isinstance(result, (tuple, list)) or len(result) != n_out:
                raise CallError(RC_SHAPE, "the function returned %s where the definition has %d output(s)" %
                                (describe(result), n_out))
            for k, (got, want) in enumerate(zip(result, outs)):
                if not isinstance(got, torch.Tensor):
                    raise CallError(RC_SHAPE, "output %d is a %s, not a tensor" % (k, type(got).__name__))
                if tuple(got.shape) != tuple(want.shape):
                    raise CallError(RC_SHAPE, "output %d has shape %s, the definition says %s" %
                                    (k, tuple(got.shape), tuple(want.shape)))
                if got.dtype != want.dtype:
                    raise CallError(RC_DTYPE, "output %d has dtype %s, the definition says %s" % (k, got.dtype, want.dtype))
                want.copy_(got)

    def _stream(self, stream):
        torch = self.torch
        if self.backend != "cuda" or not stream:
            return _Nothing()
        s = self.streams.get(stream)
        if s is None:
            s = self.streams[stream] = torch.cuda.ExternalStream(stream)
        return torch.cuda.stream(s)

    def _argument(self, t, dtype):
        if t.ndim == 0 and t.device.device_type == 1:  # a scalar: a Python number, as flashinfer-bench passes it
            return scalar_value(t, dtype)
        return self._tensor(t, dtype)

    def _tensor(self, t, dtype):
        """A torch tensor over the runner's buffer (no copy): DLPack, viewed as `dtype` where
        DLPack's code is ambiguous (fp8 and bool travel as 8-bit codes)."""
        torch = self.torch
        managed = DLManagedTensor()
        managed.dl_tensor = t
        want = self.dtypes.get(dtype) if dtype else None
        if want is not None and dtype in ONE_BYTE_TYPES:
            managed.dl_tensor.dtype = DLDataType(1, 8, 1)  # uint8, then a view as the real type
        managed.deleter = self.deleter
        addr = ctypes.addressof(managed)
        self.alive[addr] = managed
        capsule = PyCapsule_New(addr, b"dltensor", None)
        tensor = torch.utils.dlpack.from_dlpack(capsule)
        if want is not None and tensor.dtype != want:
            tensor = tensor.view(want)
        return tensor

    def _release(self, managed):
        self.alive.pop(ctypes.addressof(managed.contents), None)


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# torch before 2.1 (Debian 12 has 1.13) has no CPU kernels for float16 matrix products, so a
# flashinfer-trace reference such as gemm's `torch.matmul(A, B.T)` on float16 raises there. Where
# the probe fails, those products are computed in float32 and rounded to float16: what a GPU's
# float16 GEMM with float32 accumulation returns, and what newer torch does on the CPU. The
# reference's code is unchanged; the mode applies to every Python function this runner calls.
HALF_MATMULS = ("matmul", "mm", "bmm", "addmm", "addbmm", "baddbmm", "mv", "einsum", "tensordot")


def install_cpu_half_matmul(torch):
    a = torch.ones(2, 2, dtype=torch.float16)
    try:
        torch.matmul(a, a)
        return False
    except RuntimeError:
        pass
    from torch.overrides import TorchFunctionMode
    funcs = {getattr(torch, n) for n in HALF_MATMULS if hasattr(torch, n)}
    funcs |= {getattr(torch.Tensor, n) for n in HALF_MATMULS if hasattr(torch.Tensor, n)}
    funcs |= {torch.Tensor.__matmul__, torch.Tensor.__rmatmul__, torch.nn.functional.linear}

    def up(x):
        return x.float() if isinstance(x, torch.Tensor) and x.dtype == torch.float16 else x

    class HalfMatmulInFloat32(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func in funcs:
                tensors = [x for x in list(args) + list(kwargs.values()) if isinstance(x, torch.Tensor)]
                if any(t.dtype == torch.float16 and t.device.type == "cpu" for t in tensors):
                    dest = kwargs.pop("out", None)  # written in place below, not replaced by a copy
                    got = func(*[up(x) for x in args], **{k: up(v) for k, v in kwargs.items()})
                    if dest is not None:
                        return dest.copy_(got)
                    return got.to(torch.float16) if isinstance(got, torch.Tensor) else got
            return func(*args, **kwargs)

    HalfMatmulInFloat32().__enter__()  # for the process's life: every call runs inside it
    return True


def describe(v):
    if isinstance(v, (tuple, list)):
        return "%s of %d" % (type(v).__name__, len(v))
    return type(v).__name__


def dtype_table(torch):
    names = {"float32": "float32", "float64": "float64", "float16": "float16", "bfloat16": "bfloat16",
             "float8_e4m3fn": "float8_e4m3fn", "float8_e5m2": "float8_e5m2", "int8": "int8", "int16": "int16",
             "int32": "int32", "int64": "int64", "uint8": "uint8", "bool": "bool", "float4_e2m1": "uint8"}
    return {k: getattr(torch, v) for k, v in names.items() if hasattr(torch, v)}


def scalar_value(t, dtype):
    kinds = {"float32": ctypes.c_float, "float64": ctypes.c_double, "int32": ctypes.c_int32,
             "int64": ctypes.c_int64, "int16": ctypes.c_int16, "int8": ctypes.c_int8, "uint8": ctypes.c_uint8,
             "bool": ctypes.c_bool}
    ctype = kinds.get(dtype)
    if ctype is None:
        raise CallError(RC_DTYPE, "a scalar of dtype %s cannot be passed to Python" % dtype)
    return ctype.from_address(t.data + t.byte_offset).value


PyCapsule_New = ctypes.pythonapi.PyCapsule_New
PyCapsule_New.restype = ctypes.py_object
PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


def fail_before_start(core, code, message):
    """An ERROR frame on fd 4 before the runner starts, so the judge reads the cause."""
    if core is not None:
        core.kda_runner_fail(code.encode(), message.encode("utf-8", "replace"))
    sys.stderr.write("kda_pyrunner: %s\n" % message)
    return 3


def main(argv):
    own, rest = split_args(argv)
    if "--core" not in own or "--py-root" not in own or "--py-entry" not in own:
        sys.stderr.write("kda_pyrunner: --core, --py-root and --py-entry are required\n")
        return 2
    core = ctypes.CDLL(own["--core"])
    core.kda_runner_set_error.argtypes = [ctypes.c_char_p]
    core.kda_runner_fail.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    runner = Runner(own, rest, core)
    try:
        runner.prepare(runner_flag(rest, "--scratch"), bool(own.get("--py-jit")))
    except ImportError as exc:
        return fail_before_start(core, "environment",
                                 "%s cannot import torch (%s): install it (Debian: apt install python3-torch; "
                                 "elsewhere: pip install torch), or point KDA_PYTHON at a python3 that has it"
                                 % (sys.executable, exc))
    except EnvironmentError as exc:
        return fail_before_start(core, "environment", str(exc))
    paths = [p.encode() for p in runner.read_only_paths()]
    read_only = (ctypes.c_char_p * (len(paths) + 1))(*paths, None)
    hooks = Hooks(LOAD_FN(runner.load), ENTRY_FN(runner.entry), read_only, 1 if own.get("--py-jit") else 0)
    args = [b"kda_pyrunner"] + [a.encode() for a in rest]
    c_argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
    core.kda_runner_main.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(Hooks)]
    rc = core.kda_runner_main(len(args), c_argv, ctypes.byref(hooks))
    sys.stdout.flush()
    # The interpreter's own teardown (torch's atexit handlers, CUDA's) is not the candidate's
    # business and could only hang a runner the judge has finished with.
    os._exit(rc)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
