"""embargo: the sanctions and export-control rules engine, from Python.

A thin ctypes layer over the C library (libembargo.so): no compiler at install time.
The library is $EMBARGO_LIBRARY when set, else libembargo.so.0 found by the dynamic
linker (the install prefix's lib directory). See bindings/python/README.md.
"""
import ctypes
import ctypes.util
import json
import os
import threading

__all__ = ["RuleSet", "EmbargoError", "LoadError", "TransactionError", "Diagnostic"]


def _load():
    path = os.environ.get("EMBARGO_LIBRARY")
    if not path:
        for name in ("libembargo.so.0", ctypes.util.find_library("embargo")):
            if name:
                try:
                    return ctypes.CDLL(name)
                except OSError:
                    pass
        raise ImportError("libembargo not found: install embargo, or set EMBARGO_LIBRARY")
    return ctypes.CDLL(path)


_lib = _load()
_p = ctypes.c_void_p


class _GError(ctypes.Structure):
    _fields_ = [("domain", ctypes.c_uint32), ("code", ctypes.c_int), ("message", ctypes.c_char_p)]


class _Diag(ctypes.Structure):
    _fields_ = [("severity", ctypes.c_int), ("code", ctypes.c_char_p), ("source", ctypes.c_char_p),
                ("line", ctypes.c_uint), ("column", ctypes.c_uint), ("message", ctypes.c_char_p),
                ("context", ctypes.c_char_p), ("context_source", ctypes.c_char_p),
                ("context_line", ctypes.c_uint), ("context_column", ctypes.c_uint)]


class _Query(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("name", ctypes.c_char_p), ("country", ctypes.c_char_p),
                ("type", ctypes.c_char_p), ("ids", ctypes.POINTER(ctypes.c_char_p)),
                ("match_threshold", ctypes.c_double), ("possible_threshold", ctypes.c_double),
                ("max_results", ctypes.c_uint)]


class _EvalOptions(ctypes.Structure):
    # EmbargoEvalOptions, version 2 (include/embargo/embargo.h): gboolean is a C int.
    _VERSION = 2
    _fields_ = [("version", ctypes.c_uint), ("as_of", ctypes.c_char_p),
                ("strict", ctypes.c_int)]


_GErrorP = ctypes.POINTER(_GError)


def _sig(name, res, *args):
    f = getattr(_lib, name)
    f.restype = res
    f.argtypes = list(args)
    return f


_loader_new = _sig("embargo_loader_new", _p, _p)
_loader_free = _sig("embargo_loader_free", None, _p)
_loader_add_path = _sig("embargo_loader_add_path", ctypes.c_int, _p, ctypes.c_char_p, _p)
_loader_finish = _sig("embargo_loader_finish", _p, _p, ctypes.POINTER(_GErrorP))
_loader_diags = _sig("embargo_loader_get_diagnostics", _p, _p)
_diags_count = _sig("embargo_diagnostics_get_count", ctypes.c_size_t, _p)
_diags_get = _sig("embargo_diagnostics_get", ctypes.POINTER(_Diag), _p, ctypes.c_size_t)
_rs_unref = _sig("embargo_ruleset_unref", None, _p)
_rs_digest = _sig("embargo_ruleset_get_digest", ctypes.c_char_p, _p)
_rs_count = _sig("embargo_ruleset_get_rule_count", ctypes.c_size_t, _p)
_handle_new = _sig("embargo_handle_new", _p, _p)
_handle_free = _sig("embargo_handle_free", None, _p)
_handle_get = _sig("embargo_handle_get", _p, _p)
_handle_set = _sig("embargo_handle_set", None, _p, _p)
_txn_new = _sig("embargo_transaction_new_from_data", _p, ctypes.c_char_p, ctypes.c_size_t,
                ctypes.c_char_p, _p, ctypes.POINTER(_GErrorP))
_txn_free = _sig("embargo_transaction_free", None, _p)
_evaluate = _sig("embargo_evaluate", _p, _p, _p, ctypes.POINTER(_EvalOptions),
                 ctypes.POINTER(_GErrorP))
_decision_free = _sig("embargo_decision_free", None, _p)
_decision_json = _sig("embargo_decision_to_json", _p, _p)
_screener_new = _sig("embargo_screener_new", _p)
_screener_unref = _sig("embargo_screener_unref", None, _p)
_screener_add_rs = _sig("embargo_screener_add_ruleset", ctypes.c_int, _p, _p, ctypes.c_char_p,
                        ctypes.POINTER(_GErrorP))
_screen = _sig("embargo_screener_screen", _p, _p, ctypes.POINTER(_Query), ctypes.POINTER(_GErrorP))
_screen_free = _sig("embargo_screen_result_free", None, _p)
_screen_count = _sig("embargo_screen_result_get_count", ctypes.c_size_t, _p)
_screen_outcome = _sig("embargo_screen_result_get_outcome", ctypes.c_int, _p)
_outcome_str = _sig("embargo_outcome_to_string", ctypes.c_char_p, ctypes.c_int)
_g_free = _sig("g_free", None, _p) if hasattr(_lib, "g_free") else None
if _g_free is None:
    _glib = ctypes.CDLL(ctypes.util.find_library("glib-2.0") or "libglib-2.0.so.0")
    _g_free = _glib.g_free
    _g_free.argtypes = [_p]
    _g_error_free = _glib.g_error_free
else:
    _g_error_free = _lib.g_error_free
_g_error_free.argtypes = [_GErrorP]


class Diagnostic:
    """One problem, positioned: source, line, column (1-based; 0: none), code, message;
    context, None or a second position that explains the first, as a tuple (source, line,
    column, message) such as where the other rule is defined."""

    def __init__(self, source, line, column, code, message, context=None):
        self.source, self.line, self.column, self.code, self.message = source, line, column, code, message
        self.context = context

    def __repr__(self):
        return "%s:%d:%d: error: %s [%s]" % (self.source, self.line, self.column, self.message, self.code)


class EmbargoError(Exception):
    """No decision could be made. `diagnostics` lists every problem, with its position."""

    def __init__(self, message, diagnostics=()):
        super().__init__(message)
        self.diagnostics = list(diagnostics)


class LoadError(EmbargoError):
    """The rules did not load."""


class TransactionError(EmbargoError):
    """The transaction could not be decided (syntax, schema, limits, a bad as_of)."""


def _parse_lines(text):
    """'src:line:col: error: message [E-CODE]' lines into Diagnostics."""
    out = []
    for line in text.splitlines():
        head, sep, rest = line.partition(": note: ")
        parts = head.rsplit(":", 2)
        if sep and out and out[-1].context is None:
            # A note line after a diagnostic: its context.
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                out[-1].context = (parts[0], int(parts[1]), int(parts[2]), rest)
            else:
                out[-1].context = (head, 0, 0, rest)
            continue
        head, sep, rest = line.partition(": error: ")
        parts = head.rsplit(":", 2)
        code = None
        if rest.endswith("]") and " [E-" in rest:
            rest, _, code = rest[:-1].rpartition(" [")
        if sep and len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            out.append(Diagnostic(parts[0], int(parts[1]), int(parts[2]), code, rest))
        else:
            out.append(Diagnostic(None, 0, 0, code, line))
    return out


def _take_error(err, cls):
    msg = err.contents.message.decode("utf-8", "replace")
    _g_error_free(err)
    return cls(msg.splitlines()[0] if msg else "error", _parse_lines(msg))


def _load_rules(paths):
    ld = _loader_new(None)
    try:
        for p in paths:
            _loader_add_path(ld, os.fsencode(p), None)
        err = _GErrorP()
        rs = _loader_finish(ld, ctypes.byref(err))
        if rs:
            return rs
        diags = _loader_diags(ld)
        found = []
        for i in range(_diags_count(diags)):
            d = _diags_get(diags, i).contents
            if d.severity >= 2:
                context = None
                if d.context:
                    context = (d.context_source.decode(), d.context_line, d.context_column,
                               d.context.decode())
                found.append(Diagnostic(d.source and d.source.decode(), d.line, d.column,
                                        d.code and d.code.decode(), d.message.decode(), context))
        _g_error_free(err)
        raise LoadError("the rules did not load: %d error(s)" % len(found), found)
    finally:
        _loader_free(ld)


def _bundled_rules():
    env = os.environ.get("EMBARGO_RULES_DIR")
    if env:
        return env
    lib = os.environ.get("EMBARGO_LIBRARY") or ""
    for base in (os.path.dirname(os.path.dirname(lib)), "/usr/local", "/usr"):
        d = os.path.join(base, "share", "embargo", "rules")
        if base and os.path.isdir(d):
            return d
    raise LoadError("no bundled rules found: pass paths, or set EMBARGO_RULES_DIR")


class RuleSet:
    """A rule set, served through the library's reload handle: check() from any number of
    threads while reload() swaps in new rules (only once they loaded without error)."""

    def __init__(self, paths=None):
        self._paths = [os.fspath(p) for p in paths] if paths else [_bundled_rules()]
        rs = _load_rules(self._paths)
        self._handle = _handle_new(rs)
        _rs_unref(rs)
        self._screen_lock = threading.Lock()
        self._screener = None
        self._screener_digest = None

    def __del__(self):
        if getattr(self, "_handle", None):
            _handle_free(self._handle)
            self._handle = None
        if getattr(self, "_screener", None):
            _screener_unref(self._screener)
            self._screener = None

    @property
    def digest(self):
        rs = _handle_get(self._handle)
        try:
            return _rs_digest(rs).decode()
        finally:
            _rs_unref(rs)

    def __len__(self):
        rs = _handle_get(self._handle)
        try:
            return _rs_count(rs)
        finally:
            _rs_unref(rs)

    def reload(self, paths=None):
        """Loads PATHS (default: the same paths again); on any error raises LoadError and
        the rules served before stay."""
        if paths:
            paths = [os.fspath(p) for p in paths]
        rs = _load_rules(paths or self._paths)
        _handle_set(self._handle, rs)
        _rs_unref(rs)
        if paths:
            self._paths = paths

    def check(self, transaction, as_of=None, strict=False):
        """Decides one transaction (a dict, or JSON or YAML text) and returns the decision
        JSON as a dict. Raises TransactionError when it cannot be decided; with strict,
        also when it has a key neither in the contract nor read by any rule."""
        if isinstance(transaction, dict):
            text = json.dumps(transaction, default=str, ensure_ascii=False).encode()
        elif isinstance(transaction, bytes):
            text = transaction
        else:
            text = str(transaction).encode()
        err = _GErrorP()
        txn = _txn_new(text, len(text), b"<transaction>", None, ctypes.byref(err))
        if not txn:
            raise _take_error(err, TransactionError)
        rs = _handle_get(self._handle)
        try:
            opts = _EvalOptions(_EvalOptions._VERSION, as_of.encode() if as_of else None,
                                1 if strict else 0)
            d = _evaluate(rs, txn, ctypes.byref(opts), ctypes.byref(err))
            if not d:
                raise _take_error(err, TransactionError)
            raw = _decision_json(d)
            try:
                return json.loads(ctypes.string_at(raw).decode())
            finally:
                _g_free(raw)
                _decision_free(d)
        finally:
            _rs_unref(rs)
            _txn_free(txn)

    def check_many(self, transactions, as_of=None):
        """Yields the decision of each transaction in order; a transaction that cannot be
        decided raises TransactionError when reached."""
        for t in transactions:
            yield self.check(t, as_of=as_of)

    def screen(self, name=None, country=None, type=None, ids=None):
        """Screens a party against the names lists of the rules; returns {"decision",
        "candidates"} where candidates is their number."""
        rs = _handle_get(self._handle)
        try:
            with self._screen_lock:
                digest = _rs_digest(rs)
                if self._screener is None or self._screener_digest != digest:
                    s = _screener_new()
                    err = _GErrorP()
                    if not _screener_add_rs(s, rs, None, ctypes.byref(err)):
                        _screener_unref(s)
                        raise _take_error(err, EmbargoError)
                    if self._screener:
                        _screener_unref(self._screener)
                    self._screener, self._screener_digest = s, digest
                    warm = _Query(1, b"index", None, None, None, 0, 0, 0)
                    _screen_free(_screen(s, ctypes.byref(warm), None))
                screener = self._screener
                id_arr = None
                if ids:
                    id_arr = (ctypes.c_char_p * (len(ids) + 1))(*[i.encode() for i in ids], None)
                q = _Query(1, name.encode() if name else None, country.encode() if country else None,
                           type.encode() if type else None, id_arr, 0, 0, 0)
                err = _GErrorP()
                r = _screen(screener, ctypes.byref(q), ctypes.byref(err))
            if not r:
                raise _take_error(err, EmbargoError)
            try:
                return {"decision": _outcome_str(_screen_outcome(r)).decode(),
                        "candidates": _screen_count(r)}
            finally:
                _screen_free(r)
        finally:
            _rs_unref(rs)
