"""Which SDK methods the integration tests call, found by a small static type inference over their source.

:class:`SdkCalls` reports ``(class, method)`` for each call ``receiver.method(...)`` whose receiver is known,
from the code alone, to be an instance of one of the SDK classes. It never guesses: a receiver whose class
cannot be established by the rules below is *unknown*, and calls on it are not reported. So a reported call
really is a call of that class's method (barring code that lies in its annotations), while a call the
inference cannot follow is missed, never misattributed; a same-named method of another class never counts.

A value's class is known when it is:

* a constructor call ``C(...)`` of an SDK class (imported from ``turms.client``) or of a class defined at
  module level in the analysed modules; a call of a function of those modules annotated ``-> C`` (or
  ``-> tuple[C, D]``); ``await`` of a known value;
* a name every binding of which in its scope is known and agrees: ``x = <known>``, ``x: C``, a parameter
  annotated ``C`` / ``C | None``, ``with <known> as x``, unpacking a known tuple, a tuple literal or a
  generator, ``for x in <known sequence>``; a parameter of a function naming a ``@pytest.fixture`` of the same
  module takes what that fixture returns or yields; any other binding (``except ... as x``, ``+=``, an import
  of something else, ``global``) makes the name unknown;
* ``self`` in a method of a module-level class;
* ``obj.attr`` where ``obj`` is an instance of a module-level class of the analysed modules and every
  assignment of ``attr`` in that class (``self.attr = ...`` in its methods, ``attr: C`` in its body) is known
  and agrees;
* an element (``xs[i]``, or a loop variable) of a list / generator of known values, or of a known tuple;
* a call of a known callable: a function (or nested function) annotated ``-> C``, passed around by name.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Seq:
    """A list or iterable whose every item is ``item``."""

    item: Known


@dataclass(frozen=True)
class Returns:
    """A callable returning ``value``."""

    value: Known


#: A class key (``"sdk.TurmsClient"``, or ``"module.Class"`` for a class of the analysed modules), a tuple of
#: element types (None where unknown), a sequence, or a callable.
Known = str | tuple["Known | None", ...] | Seq | Returns


@dataclass(frozen=True)
class _Binding:
    kind: str  # expr, elem, iter, ann, param, self, def, class, import, unknown
    node: object = None
    path: tuple[int, ...] = ()  # elem: where in the (nested) tuple unpacked
    extra: object = None


class _Scope:
    def __init__(self, module: str, parent: _Scope | None) -> None:
        self.module = module
        self.parent = parent
        self.bindings: dict[str, list[_Binding]] = defaultdict(list)

    def bind(self, name: str, binding: _Binding) -> None:
        self.bindings[name].append(binding)


UNKNOWN = _Binding("unknown")


class SdkCalls:
    """Analyse ``sources`` (module name: source code); ``found`` holds the ``(class name, method)`` pairs."""

    def __init__(self, sources: dict[str, str], sdk: set[str]) -> None:
        self.sdk = sdk
        self.trees = {name: ast.parse(text) for name, text in sources.items()}
        self.globals = {name: _Scope(name, None) for name in sources}
        self.scope_of: dict[ast.AST, _Scope] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self._busy: set[tuple[int, str]] = set()
        for name, tree in self.trees.items():
            self._scan(tree, self.globals[name], None)
        self.found: set[tuple[str, str]] = set()
        for name, tree in self.trees.items():
            self._find(tree, self.globals[name])

    # -- bindings -------------------------------------------------------------------------------------------

    def _scan(self, node: ast.AST, scope: _Scope, cls: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                if not isinstance(child, ast.Lambda):
                    scope.bind(child.name, _Binding("def", child))
                # Names in a method resolve past its class body, as in Python.
                inner = _Scope(scope.module, scope.parent if cls is not None else scope)
                self.scope_of[child] = inner
                self._bind_parameters(child, inner, cls)
                self._scan(child, inner, None)
            elif isinstance(child, ast.ClassDef):
                scope.bind(child.name, _Binding("class", child))
                body = _Scope(scope.module, scope)
                self.scope_of[child] = body
                top_level = scope.parent is None
                if top_level:
                    self.classes[f"{scope.module}.{child.name}"] = child
                # Methods of a nested class: ``self`` stays unknown (cls "").
                self._scan(child, body, f"{scope.module}.{child.name}" if top_level else "")
            else:
                self._bind(child, scope)
                self._scan(child, scope, cls)

    def _bind_parameters(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, scope: _Scope, cls: str | None
    ) -> None:
        args = fn.args
        decorators = {_name(d) for d in getattr(fn, "decorator_list", [])}
        for i, a in enumerate([*args.posonlyargs, *args.args, *args.kwonlyargs]):
            if i == 0 and cls is not None and not decorators & {"staticmethod", "classmethod"}:
                scope.bind(a.arg, _Binding("self", cls or None))
            else:
                scope.bind(a.arg, _Binding("param", a.annotation, extra=(a.arg, fn)))
        for a in (args.vararg, args.kwarg):
            if a is not None:
                scope.bind(a.arg, UNKNOWN)

    def _bind(self, node: ast.AST, scope: _Scope) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_target(target, node.value, scope)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            scope.bind(node.target.id, _Binding("ann", node.annotation))
        elif isinstance(node, ast.NamedExpr):
            scope.bind(node.target.id, _Binding("expr", node.value))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._bind_target(node.optional_vars, node.context_expr, scope)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            if isinstance(node.target, ast.Name):
                scope.bind(node.target.id, _Binding("iter", node.iter))
            else:
                self._bind_unknown(node.target, scope)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                scope.bind(alias.asname or alias.name, _Binding("import", node.module or "", extra=alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                scope.bind((alias.asname or alias.name).split(".")[0], UNKNOWN)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bind(node.name, UNKNOWN)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                scope.bind(name, UNKNOWN)
        elif isinstance(node, ast.AugAssign):
            self._bind_unknown(node.target, scope)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._bind_unknown(target, scope)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            scope.bind(node.name, UNKNOWN)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            scope.bind(node.rest, UNKNOWN)

    def _bind_target(self, target: ast.AST, value: ast.AST, scope: _Scope, path: tuple[int, ...] = ()) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, _Binding("elem", value, path) if path else _Binding("expr", value))
        elif isinstance(target, ast.Tuple | ast.List) and not any(isinstance(e, ast.Starred) for e in target.elts):
            for i, e in enumerate(target.elts):
                self._bind_target(e, value, scope, (*path, i))
        else:
            self._bind_unknown(target, scope)

    def _bind_unknown(self, target: ast.AST, scope: _Scope) -> None:
        if isinstance(target, ast.Attribute | ast.Subscript):
            return  # binds no name
        for n in ast.walk(target):
            if isinstance(n, ast.Name):
                scope.bind(n.id, UNKNOWN)

    # -- resolution -----------------------------------------------------------------------------------------

    @staticmethod
    def _lookup(scope: _Scope, name: str) -> tuple[_Scope, list[_Binding]] | None:
        s: _Scope | None = scope
        while s is not None:
            if name in s.bindings:
                return s, s.bindings[name]
            s = s.parent
        return None

    def _definition(self, scope: _Scope, name: str) -> tuple[_Scope, _Binding] | None:
        """The single binding of ``name`` if it is a class, a function or an import of one (imports followed)."""
        found = self._lookup(scope, name)
        if found is None or len(found[1]) != 1:
            return None
        where, (binding,) = found
        if binding.kind == "import":
            module, original = str(binding.node), str(binding.extra)
            if (module == "turms.client" or module.startswith("turms.client.")) and original in self.sdk:
                return where, _Binding("class", None, extra=f"sdk.{original}")
            return self._definition(self.globals[module], original) if module in self.globals else None
        if binding.kind == "class" and where.parent is None:
            assert isinstance(binding.node, ast.ClassDef)
            return where, _Binding("class", binding.node, extra=f"{where.module}.{binding.node.name}")
        if binding.kind == "def":
            return where, binding
        return None

    def annotation(self, module: str, node: object) -> Known | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.annotation(module, ast.parse(node.value, mode="eval").body)
        if isinstance(node, ast.Name):
            d = self._definition(self.globals[module], node.id)
            return str(d[1].extra) if d is not None and d[1].kind == "class" else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [s for s in (node.left, node.right) if not (isinstance(s, ast.Constant) and s.value is None)]
            return self.annotation(module, sides[0]) if len(sides) == 1 else None
        if isinstance(node, ast.Subscript) and _name(node.value) == "tuple" and isinstance(node.slice, ast.Tuple):
            if any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in node.slice.elts):
                return None
            return tuple(self.annotation(module, e) for e in node.slice.elts)
        return None

    def _resolve(self, scope: _Scope, b: _Binding) -> Known | None:
        if b.kind == "self":
            return b.node if isinstance(b.node, str) else None
        if b.kind == "ann":
            return self.annotation(scope.module, b.node)
        if b.kind == "param":
            declared = self.annotation(scope.module, b.node) if b.node is not None else None
            name, fn = b.extra  # type: ignore[misc]
            # pytest passes fixtures to tests and fixtures only; elsewhere an untyped parameter is unknown.
            takes_fixtures = getattr(fn, "name", "").startswith("test") or _is_fixture(fn)
            return declared if declared is not None or not takes_fixtures else self._fixture(scope, name)
        if b.kind == "expr":
            assert isinstance(b.node, ast.AST)
            return self.known(scope, b.node)
        if b.kind == "elem":
            assert isinstance(b.node, ast.AST)
            return self._element(scope, b.node, b.path)
        if b.kind == "iter":
            assert isinstance(b.node, ast.AST)
            return self._item(scope, b.node)
        if b.kind == "def":
            assert isinstance(b.node, ast.FunctionDef | ast.AsyncFunctionDef)
            returns = self.annotation(scope.module, b.node.returns) if b.node.returns is not None else None
            return Returns(returns) if returns is not None else None
        return None

    def _fixture(self, scope: _Scope, name: str) -> Known | None:
        """What pytest passes for a parameter ``name``: the value of the module's fixture of that name."""
        fixture = self.globals[scope.module].bindings.get(name)
        if not fixture or len(fixture) != 1 or fixture[0].kind != "def":
            return None
        fn = fixture[0].node
        assert isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        if not _is_fixture(fn):
            return None
        inner = self.scope_of[fn]
        values = [n.value for n in _own_nodes(fn) if isinstance(n, ast.Return | ast.Yield) and n.value is not None]
        return self._agree(inner, f"fixture {name}", [_Binding("expr", v) for v in values])

    def _agree(self, scope: _Scope, key: str, bindings: list[_Binding]) -> Known | None:
        """The one known value all ``bindings`` give (None if any is unknown, or they differ)."""
        token = (id(scope), key)
        if token in self._busy or not bindings:
            return None  # a cycle: not known
        self._busy.add(token)
        try:
            values = {self._resolve(scope, b) for b in bindings}
        finally:
            self._busy.discard(token)
        return values.pop() if len(values) == 1 else None

    def _element(self, scope: _Scope, value: ast.AST, path: tuple[int, ...]) -> Known | None:
        """The part at ``path`` of the value unpacked (``a, (b, c) = value``: c is at (1, 1))."""
        index, rest = path[0], path[1:]
        if isinstance(value, ast.Tuple | ast.List):
            if any(isinstance(e, ast.Starred) for e in value.elts) or index >= len(value.elts):
                return None
            return self._element(scope, value.elts[index], rest) if rest else self.known(scope, value.elts[index])
        part: Known | None = self.known(scope, value)
        for i in path:
            if isinstance(part, tuple):
                part = part[i] if i < len(part) else None
            elif isinstance(part, Seq):
                part = part.item
            else:
                return None
        return part

    def _item(self, scope: _Scope, iterable: ast.AST) -> Known | None:
        whole = self.known(scope, iterable)
        if isinstance(whole, Seq):
            return whole.item
        if isinstance(whole, tuple) and len(set(whole)) == 1:
            return whole[0]
        return None

    def known(self, scope: _Scope, node: ast.AST) -> Known | None:
        """The class of the value of ``node``, evaluated in ``scope``, when statically known."""
        if isinstance(node, ast.Await):
            return self.known(scope, node.value)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                d = self._definition(scope, node.func.id)
                if d is not None:  # a class, or a function (of this module, or imported from another)
                    where, binding = d
                    if binding.kind == "class":
                        return str(binding.extra)
                    returned = self._resolve(where, binding)
                    return returned.value if isinstance(returned, Returns) else None
            callee = self.known(scope, node.func)
            return callee.value if isinstance(callee, Returns) else None
        if isinstance(node, ast.Name):
            found = self._lookup(scope, node.id)
            return None if found is None else self._agree(found[0], node.id, found[1])
        if isinstance(node, ast.Attribute):
            owner = self.known(scope, node.value)
            return self._attribute(owner, node.attr) if isinstance(owner, str) else None
        if isinstance(node, ast.Subscript):
            whole = self.known(scope, node.value)
            if isinstance(whole, Seq):
                return whole.item
            if isinstance(whole, tuple) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
                i = node.slice.value
                return whole[i] if -len(whole) <= i < len(whole) else None
            return None
        if isinstance(node, ast.Tuple):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return None
            return tuple(self.known(scope, e) for e in node.elts)
        if isinstance(node, ast.List):
            items = {self.known(scope, e) for e in node.elts}
            return Seq(items.pop()) if len(items) == 1 and None not in items else None
        if isinstance(node, ast.ListComp | ast.GeneratorExp):
            item = self.known(scope, node.elt)
            return Seq(item) if item is not None else None
        return None

    def _attribute(self, cls: str, attr: str) -> Known | None:
        """The class of ``attr`` on instances of ``cls`` (a module-level class of the analysed modules)."""
        definition = self.classes.get(cls)
        if definition is None:
            return None
        module = cls.rsplit(".", 1)[0]
        assigned: list[tuple[_Scope, _Binding]] = []
        for stmt in definition.body:
            if isinstance(stmt, ast.AnnAssign) and _name(stmt.target) == attr:
                assigned.append((self.globals[module], _Binding("ann", stmt.annotation)))
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            method = self.scope_of[stmt]
            params = [*stmt.args.posonlyargs, *stmt.args.args]
            me = params[0].arg if params else None
            for n in ast.walk(stmt):
                targets: list[tuple[ast.AST, _Binding]] = []
                if isinstance(n, ast.Assign):
                    for t in n.targets:
                        if isinstance(t, ast.Tuple | ast.List):
                            targets += [(e, _Binding("elem", n.value, (i,))) for i, e in enumerate(t.elts)]
                        else:
                            targets.append((t, _Binding("expr", n.value)))
                elif isinstance(n, ast.AnnAssign):
                    targets.append((n.target, _Binding("ann", n.annotation)))
                elif isinstance(n, ast.AugAssign):
                    targets.append((n.target, UNKNOWN))
                for t, b in targets:
                    if isinstance(t, ast.Attribute) and t.attr == attr:
                        assigned.append((method, b if _name(t.value) == me else UNKNOWN))
        values = {self._agree(scope, f"{cls}.{attr}", [b]) for scope, b in assigned}
        return values.pop() if len(values) == 1 else None

    # -- the calls ------------------------------------------------------------------------------------------

    def _find(self, node: ast.AST, scope: _Scope) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                receiver = self.known(scope, child.func.value)
                if isinstance(receiver, str) and receiver.startswith("sdk."):
                    self.found.add((receiver.removeprefix("sdk."), child.func.attr))
            self._find(child, self.scope_of.get(child, scope))


def _name(node: ast.AST) -> str | None:
    """``x`` for ``x``, ``a.x`` and ``x(...)`` / ``a.x(...)`` (decorators); else None."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_fixture(fn: object) -> bool:
    decorators = getattr(fn, "decorator_list", [])
    return any(_name(d) == "fixture" for d in decorators)


def _own_nodes(fn: ast.AST) -> list[ast.AST]:
    """The nodes of a function's body, without those of the functions and classes nested in it."""
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        n = stack.pop()
        out.append(n)
        if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(n))
    return out
