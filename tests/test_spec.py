"""Tests for the safe distribution spec-string parser ``ganloss_viz.distributions.spec``."""

from __future__ import annotations

import builtins
import keyword
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganloss_viz.distributions import spec as spec_module
from ganloss_viz.distributions.spec import (
    MAX_DEPTH,
    MAX_LIST_LENGTH,
    MAX_SPEC_LENGTH,
    Spec,
    format_number,
    format_spec,
    parse_spec,
)

S = Spec  # short alias for the hand-written expectation tables


# --------------------------------------------------------------------------- helpers


def strictly_equal(a: object, b: object) -> bool:
    """Equality that also requires Python floats and the same sign of zero."""
    if isinstance(a, Spec) and isinstance(b, Spec):
        return (
            a.name == b.name
            and strictly_equal(a.args, b.args)
            and len(a.kwargs) == len(b.kwargs)
            and all(
                ka == kb and strictly_equal(va, vb)
                for (ka, va), (kb, vb) in zip(a.kwargs, b.kwargs, strict=True)
            )
        )
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(strictly_equal(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is float and type(b) is float:
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return False


def depth_of(value: object) -> int:
    """Nesting of calls and lists; a call with only numbers inside has depth 1."""
    if isinstance(value, Spec):
        children = list(value.args) + [v for _, v in value.kwargs]
    elif isinstance(value, tuple):
        children = list(value)
    else:
        return 0
    return 1 + max((depth_of(child) for child in children), default=0)


def longest_list(value: object) -> int:
    if isinstance(value, Spec):
        children = list(value.args) + [v for _, v in value.kwargs]
        return max((longest_list(child) for child in children), default=0)
    if isinstance(value, tuple):
        return max([len(value)] + [longest_list(child) for child in value])
    return 0


def parse_or_error(text: str) -> Spec | None:
    """parse_spec, but a ValueError becomes None; any other exception propagates."""
    try:
        result = parse_spec(text)
    except ValueError:
        return None
    assert isinstance(result, Spec)
    return result


def check_fixed_point(parsed: Spec) -> None:
    """format_spec(parsed) parses back to ``parsed`` and formats to itself."""
    text = format_spec(parsed)
    if len(text) > MAX_SPEC_LENGTH:  # canonical numbers can be longer than the input
        return
    again = parse_spec(text)
    assert strictly_equal(again, parsed)
    assert format_spec(again) == text


# --------------------------------------------------------------------------- valid specs

VALID: list[tuple[str, Spec]] = [
    ("normal(0, 1)", S("normal", (0.0, 1.0))),
    ("normal(loc=0, scale=1)", S("normal", (), (("loc", 0.0), ("scale", 1.0)))),
    ("normal(scale=1, loc=0)", S("normal", (), (("scale", 1.0), ("loc", 0.0)))),
    ("normal(0, scale=2.5)", S("normal", (0.0,), (("scale", 2.5),))),
    ("ring(8, 2, 0.02)", S("ring", (8.0, 2.0, 0.02))),
    ("  normal( -1.5 ,\n\t+2e3 )  \n", S("normal", (-1.5, 2000.0))),
    ("uniform(-1e-3, 2.5E+2)", S("uniform", (-0.001, 250.0))),
    ("normal(loc=-3.5e-07, scale=1e16)", S("normal", (), (("loc", -3.5e-07), ("scale", 1e16)))),
    (
        "mvnormal(loc=[0, 1], cov=[[1, 0.5], [0.5, 2]])",
        S("mvnormal", (), (("loc", (0.0, 1.0)), ("cov", ((1.0, 0.5), (0.5, 2.0))))),
    ),
    (
        "product(dirac(0), uniform(0, 1))",
        S("product", (S("dirac", (0.0,)), S("uniform", (0.0, 1.0)))),
    ),
    (
        "mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.3, 0.7])",
        S(
            "mixture",
            (),
            (
                ("components", (S("normal", (-2.0, 0.5)), S("normal", (2.0, 0.5)))),
                ("weights", (0.3, 0.7)),
            ),
        ),
    ),
    (
        "mixture(components=[product(normal(0, 1), dirac(-0.5)),"
        " mixture(components=[ring(8, 2, 0.02)], weights=[1])], weights=[0.25, 0.75])",
        S(
            "mixture",
            (),
            (
                (
                    "components",
                    (
                        S("product", (S("normal", (0.0, 1.0)), S("dirac", (-0.5,)))),
                        S(
                            "mixture",
                            (),
                            (
                                ("components", (S("ring", (8.0, 2.0, 0.02)),)),
                                ("weights", (1.0,)),
                            ),
                        ),
                    ),
                ),
                ("weights", (0.25, 0.75)),
            ),
        ),
    ),
    ("empty()", S("empty")),
    ("f([])", S("f", ((),))),
    ("f(x=[[], [1], [[2]]])", S("f", (), (("x", ((), (1.0,), ((2.0,),))),))),
    ("f(1,)", S("f", (1.0,))),
    ("f([1, 2,], k=3,)", S("f", ((1.0, 2.0),), (("k", 3.0),))),
    ("f((1, 2))", S("f", ((1.0, 2.0),))),  # a parenthesised tuple is read as a list
    ("f((1))", S("f", (1.0,))),  # plain parentheses around a number
    ("f(1_000, 0x10, .5, 5., +7)", S("f", (1000.0, 16.0, 0.5, 5.0, 7.0))),
    ("f(123456789012345678901234567890)", S("f", (1.2345678901234568e29,))),
    ("f(1.7976931348623157e308, -5e-324)", S("f", (1.7976931348623157e308, -5e-324))),
    ("_private_name2(a_b=1)", S("_private_name2", (), (("a_b", 1.0),))),
    ("match(case=1)", S("match", (), (("case", 1.0),))),  # soft keywords are plain names
    ("normal(0, 1)  # a trailing comment is ignored", S("normal", (0.0, 1.0))),
    ("(normal)(0)", S("normal", (0.0,))),  # parentheses around the name vanish in the AST
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_valid_specs_parse_to_the_expected_tree(text: str, expected: Spec) -> None:
    parsed = parse_spec(text)
    assert parsed == expected
    assert strictly_equal(parsed, expected)  # numbers are Python floats, not ints


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_valid_specs_format_to_a_fixed_point(text: str, expected: Spec) -> None:
    check_fixed_point(parse_spec(text))


def test_negative_zero_keeps_its_sign() -> None:
    (zero,) = parse_spec("dirac(-0)").args
    assert zero == 0.0 and math.copysign(1.0, zero) == -1.0
    assert format_spec(parse_spec("dirac(-0.0)")) == "dirac(-0)"


def test_spec_is_frozen_and_hashable() -> None:
    a = parse_spec("mixture(components=[normal(0, 1)], weights=[1])")
    b = parse_spec("mixture( components = [ normal( 0.0, 1e0 ) ], weights = [ 1. ] )")
    assert a == b and hash(a) == hash(b)
    assert {a: "x"}[b] == "x"
    with pytest.raises(AttributeError):
        a.name = "other"  # type: ignore[misc]


# --------------------------------------------------------------------------- formatting

FORMATTED: list[tuple[Spec, str]] = [
    (S("normal", (0.0, 1.0)), "normal(0, 1)"),
    (S("empty"), "empty()"),
    (S("normal", (0.5,), (("scale", 2.0),)), "normal(0.5, scale=2)"),
    (
        S("mvnormal", (), (("loc", (0.0, -1.0)), ("cov", ((1.0, 0.5), (0.5, 2.0))))),
        "mvnormal(loc=[0, -1], cov=[[1, 0.5], [0.5, 2]])",
    ),
    (
        S("mixture", (), (("components", (S("dirac", (0.0,)), S("dirac", (1e-07,)))),)),
        "mixture(components=[dirac(0), dirac(1e-07)])",
    ),
    (S("f", ((),)), "f([])"),
    (S("f", (3,)), "f(3)"),  # ints are accepted when formatting
]


@pytest.mark.parametrize(("value", "text"), FORMATTED, ids=[t for _, t in FORMATTED])
def test_format_spec(value: Spec, text: str) -> None:
    assert format_spec(value) == text
    assert parse_spec(text) == value


NUMBERS: list[tuple[float, str]] = [
    (2.0, "2"),
    (0.1, "0.1"),
    (-3.5e-07, "-3.5e-07"),
    (0.0, "0"),
    (-0.0, "-0"),
    (-2.0, "-2"),
    (1.5, "1.5"),
    (1 / 3, "0.3333333333333333"),
    (1e15, "1000000000000000"),
    (1e16, "1e+16"),
    (1e-05, "1e-05"),
    (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
]


@pytest.mark.parametrize(("x", "text"), NUMBERS, ids=[t for _, t in NUMBERS])
def test_format_number(x: float, text: str) -> None:
    assert format_number(x) == text
    assert float(text) == x


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan, True, "1", None])
def test_format_number_rejects_non_finite_and_non_numbers(bad: object) -> None:
    with pytest.raises(ValueError):
        format_number(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        S(""),
        S("bad name"),
        S("1x"),
        S("lambda"),
        S("normál"),
        S("f", (math.nan,)),
        S("f", ((math.inf,),)),
        S("f", ("1",)),  # type: ignore[arg-type]
        S("f", (None,)),  # type: ignore[arg-type]
        S("f", (), (("", 1.0),)),
        S("f", (), (("a", 1.0), ("a", 2.0))),
        S("f", (S("g", (True,)),)),  # type: ignore[arg-type]
    ],
    ids=repr,
)
def test_format_spec_rejects_malformed_specs(bad: Spec) -> None:
    with pytest.raises(ValueError):
        format_spec(bad)


# --------------------------------------------------------------------------- round trip

NAMES = st.one_of(
    st.sampled_from(["normal", "mixture", "mvnormal", "dirac", "components", "x", "_"]),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
        lambda name: not keyword.iskeyword(name)
    ),
)
FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-1000, 1000).map(float),
    st.sampled_from(
        [0.0, -0.0, 0.1, -0.5, 1e-300, 5e-324, -5e-324, 1e16, 1.7976931348623157e308, -1e308]
    ),
)


@st.composite
def keyword_values(draw: st.DrawFn, values: st.SearchStrategy) -> tuple[tuple[str, object], ...]:
    """Up to three ``(unique name, value)`` pairs."""
    keys = draw(st.lists(NAMES, max_size=3, unique=True))
    return tuple((key, draw(values)) for key in keys)


def calls(values: st.SearchStrategy) -> st.SearchStrategy:
    """Specs whose arguments are drawn from ``values``; keywords are unique."""
    return st.builds(
        Spec,
        name=NAMES,
        args=st.lists(values, max_size=3).map(tuple),
        kwargs=keyword_values(values),
    )


VALUES = st.recursive(
    FLOATS,
    lambda children: st.one_of(st.lists(children, max_size=4).map(tuple), calls(children)),
    max_leaves=24,
)
SPECS = calls(VALUES).filter(
    lambda s: (
        depth_of(s) <= MAX_DEPTH
        and longest_list(s) <= MAX_LIST_LENGTH
        and len(format_spec(s)) <= MAX_SPEC_LENGTH
    )
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(SPECS)
def test_round_trip_format_then_parse(value: Spec) -> None:
    text = format_spec(value)
    parsed = parse_spec(text)
    assert parsed == value
    assert strictly_equal(parsed, value)
    assert format_spec(parsed) == text


# --------------------------------------------------------------------------- arbitrary text

GRAMMAR_ALPHABET = "normal()[],=.-+e0123456789 xyz_"

# ast.parse warns about inputs such as "1x" ("invalid decimal literal"); the parser
# deliberately leaves the process-wide warning filters alone, so silence them here.
ignore_syntax_warnings = pytest.mark.filterwarnings("ignore::SyntaxWarning")


@ignore_syntax_warnings
@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_returns_spec_or_raises_value_error(text: str) -> None:
    parsed = parse_or_error(text)
    if parsed is not None:
        check_fixed_point(parsed)


@ignore_syntax_warnings
@FUZZ
@given(st.text(alphabet=GRAMMAR_ALPHABET, max_size=300))
def test_grammar_alphabet_text_returns_spec_or_raises_value_error(text: str) -> None:
    parsed = parse_or_error(text)
    if parsed is not None:
        check_fixed_point(parsed)


@ignore_syntax_warnings
@FUZZ
@given(SPECS, st.data())
def test_mutated_valid_specs_return_spec_or_raise_value_error(value: Spec, data) -> None:
    text = format_spec(value)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        insert = data.draw(st.sampled_from(list(GRAMMAR_ALPHABET + "*'\"#:;{}.j\\\n") + [""]))
        drop = data.draw(st.integers(0, 2))
        text = text[:at] + insert + text[at + drop :]
    parsed = parse_or_error(text)
    if parsed is not None:
        check_fixed_point(parsed)


# --------------------------------------------------------------------------- hostile input

HOSTILE: list[str] = [
    "__import__('os').system('echo hi')",
    "normal(0, 1).__class__",
    "normal(loc=open('x'))",
    "normal(*[0,1])",
    "normal(**{'loc': 0})",
    "normal(0, *[1])",
    "normal(0, [*[1]])",
    "lambda: 0",
    "normal(0, 1) + 1",
    "normal(0, [1][0])",
    "normal('0', 1)",
    "normal(b'0', 1)",
    "normal(f'{0}', 1)",
    "normal(True, 1)",
    "normal(-False, 1)",
    "normal(None, 1)",
    "normal(..., 1)",
    "normal(1j, 1)",
    "normal(-1j, 1)",
    "normal(1e400, 1)",
    "normal(-1e400, 1)",
    "normal(nan, 1)",
    "normal(inf, 1)",
    "normal(10**400, 1)",
    "normal(" + "1" * 400 + ", 1)",
    "normal(--1, 1)",
    "normal(-(-1), 1)",
    "normal(~0, 1)",
    "normal(not 0, 1)",
    "normal(0 if 1 else 2, 1)",
    "normal((x := 1), 1)",
    "normal(x for x in [1])",
    "normal([0 for x in []])",
    "normal({0: 1})",
    "normal({0})",
    "normal(0, 1); import os",
    "normal(0, 1)\nimport os",
    "normal(0, 1), normal(0, 1)",
    "normal(0)(1)",
    "normal()[0]",
    "normal.__init__(0)",
    "os.system",
    "normal",
    "0",
    "[1, 2]",
    "-1",
    "",
    "   \n\t  ",
    "()",
    "normal(loc=0, loc=1)",
    "normal(loc=0, 1)",
    "normal(0, 1",
    "normal(0 1)",
    "normal(0, 1)\x00",
    "normál(0, 1)",
    "\ufb01(0)",  # the 'fi' ligature, which Python would silently turn into 'fi'
    "normal(loc\u00a0=0)",
    "mixture(components=[" * 200 + "normal(0, 1)" + "])" * 200,
    "a(" * 9 + "0" + ")" * 9,
    "a(" * 300 + ")" * 300,
    "a(" + "[" * MAX_DEPTH + "0" + "]" * MAX_DEPTH + ")",
    "[" * 100000,
    "[" * 1999,
    "(" * 1000 + ")" * 1000,
    "-" * 1999 + "1",
    "f(" + "-" * 1990 + "1)",
    "x" * 10**6,
    "normal(0, 1)" + " " * 10**6,
    "normal([" + ", ".join(["0"] * 1000) + "])",
    "normal([" + ",".join(["0"] * (MAX_LIST_LENGTH + 1)) + "])",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t[:40]) for t in HOSTILE])
def test_hostile_input_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_spec(text)
    message = str(info.value)
    assert message.startswith("bad spec ")
    assert len(message) < 500  # fragments are truncated, even for megabyte inputs


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("normal(0, x)", ["'x'", "not allowed", "numbers, lists of numbers, or nested specs"]),
        ("normal('0', 1)", ["'0'", "strings"]),
        ("normal(True, 1)", ["'True'", "booleans"]),
        ("normal(1j, 1)", ["'1j'", "complex"]),
        ("normal(1e400, 1)", ["'1e400'", "not a finite number"]),
        ("normal(-1e400, 1)", ["'-1e400'", "not a finite number"]),
        ("normal(" + "9" * 400 + ")", ["'999", "not a finite number"]),
        ("normal(nan, 1)", ["'nan'", "finite"]),
        ("normal(10**400, 1)", ["'10**400'", "arithmetic"]),
        ("normal(0, [1][0])", ["'[1][0]'", "indexing"]),
        ("normal(0, 1).__class__", ["'normal(0, 1).__class__'", "must be a call"]),
        ("normal.__init__(0)", ["'normal.__init__'", "plain name"]),
        ("normal(*[0,1])", ["'*[0,1]'", "unpacking"]),
        ("normal(**{'loc': 0})", ["**{'loc': 0}", "unpacking"]),
        ("normal(loc=0, loc=1)", ["'loc'", "more than once"]),
        ("normal(0, 1); import os", ["'; import os'"]),
        ("[1, 2]", ["'[1, 2]'", "must be a call"]),
        ("", ["empty"]),
        ("normál(0)", ["'á'", "ASCII"]),
        ("a(" * 9 + "0" + ")" * 9, ["'a(0)'", "nested too deeply"]),
        ("f([" + ",".join(["0"] * 65) + "])", ["65 elements", "at most 64"]),
        ("x" * 10**6, ["too long", "1000000", str(MAX_SPEC_LENGTH)]),
        ("normal(0, " + "y" * 100 + ")", ["'yyyyyyyyyy", "...'"]),  # long fragments are cut
    ],
)
def test_error_messages_name_the_bad_fragment(text: str, fragments: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        parse_spec(text)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_non_string_input_raises_value_error() -> None:
    for bad in (None, 0, b"normal(0, 1)", ["normal(0, 1)"]):
        with pytest.raises(ValueError):
            parse_spec(bad)  # type: ignore[arg-type]


def test_length_is_checked_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("ast.parse called on an over-long spec")

    monkeypatch.setattr(spec_module.ast, "parse", must_not_parse)
    with pytest.raises(ValueError, match="too long"):
        parse_spec("normal(" + "0, " * 10**6 + "1)")


def test_parsing_never_evaluates(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    for text, expected in VALID:
        assert parse_spec(text) == expected
    for text in HOSTILE:
        with pytest.raises(ValueError):
            parse_spec(text)


# --------------------------------------------------------------------------- limits


def test_length_limit_is_inclusive() -> None:
    body = "normal(0, 1)"
    assert parse_spec(body + " " * (MAX_SPEC_LENGTH - len(body))) == S("normal", (0.0, 1.0))
    with pytest.raises(ValueError, match="too long"):
        parse_spec(body + " " * (MAX_SPEC_LENGTH - len(body) + 1))


def test_depth_limit_is_inclusive() -> None:
    calls_ok = "a(" * MAX_DEPTH + ")" * MAX_DEPTH
    assert depth_of(parse_spec(calls_ok)) == MAX_DEPTH
    lists_ok = "a(" + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + ")"
    assert depth_of(parse_spec(lists_ok)) == MAX_DEPTH
    mixed_ok = "a(k=[b([c([d([0])])])])"
    assert depth_of(parse_spec(mixed_ok)) == MAX_DEPTH
    for too_deep in (
        "a(" * (MAX_DEPTH + 1) + ")" * (MAX_DEPTH + 1),
        "a(" + "[" * MAX_DEPTH + "]" * MAX_DEPTH + ")",
        "a(k=[b([c([d([[0]])])])])",
    ):
        with pytest.raises(ValueError, match="nested too deeply"):
            parse_spec(too_deep)


def test_list_length_limit_is_inclusive() -> None:
    ok = parse_spec("f([" + ", ".join(["1"] * MAX_LIST_LENGTH) + "])")
    assert ok == S("f", ((1.0,) * MAX_LIST_LENGTH,))
    with pytest.raises(ValueError, match="elements"):
        parse_spec("f([" + ", ".join(["1"] * (MAX_LIST_LENGTH + 1)) + "])")
