"""A select's choices are SelectChoice objects: WTForms deprecated tuples in 3.3 and drops them
in 3.4. A tuple given to a field's constructor warns (an error in the suite), one assigned
to `.choices` in a view does not: this reads the source for those."""

import ast
from pathlib import Path

from wtforms import SelectChoice

from council.web.forms import options

COUNCIL = Path(__file__).resolve().parents[2] / "council"


def _tuples_in(node: ast.AST) -> bool:
    """Whether a list literal, comprehension or sum of them makes tuples."""
    if isinstance(node, ast.List):
        return any(isinstance(element, ast.Tuple) for element in node.elts)
    if isinstance(node, ast.ListComp):
        return isinstance(node.elt, ast.Tuple)
    if isinstance(node, ast.BinOp):
        return _tuples_in(node.left) or _tuples_in(node.right)
    return False


def _choices_given_as_tuples(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            given = any(isinstance(t, ast.Attribute) and t.attr == "choices" for t in targets)
        elif isinstance(node, ast.keyword):
            given = node.arg == "choices"
        else:
            continue
        if given and _tuples_in(node.value):
            lines.append(node.value.lineno)
    return lines


def test_no_view_or_form_gives_choices_as_tuples():
    found = {
        str(path.relative_to(COUNCIL.parent)): lines
        for path in sorted(COUNCIL.rglob("*.py"))
        if (lines := _choices_given_as_tuples(path))
    }
    assert found == {}, "use council.web.forms.options or SelectChoice"


def test_options_are_select_choices_with_the_empty_one_first():
    made = options([(3, "Zona Est"), ("b", "Beta")], empty="— none —")
    assert all(isinstance(choice, SelectChoice) for choice in made)
    assert [(c.value, c.label) for c in made] == [
        ("", "— none —"),
        ("3", "Zona Est"),
        ("b", "Beta"),
    ]
    assert [c.value for c in options([(1, "Uno")])] == ["1"]
