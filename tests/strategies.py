"""Hypothesis builders shared by the property tests (STYLE.md: one module, known cases pinned)."""

from hypothesis import strategies as st

from simulation import parameters

#: Every declared numeric parameter a scenario may set (the horizon is the test's to choose).
NUMERIC = [p for p in parameters.PARAMETERS if p.numeric and p.key != "steps"]


def value_of(p: parameters.Param) -> st.SearchStrategy:
    """A value in the declared range, with the bounds themselves drawn often (corners find bugs)."""
    if p.kind is int:
        return st.one_of(st.sampled_from([int(p.low), int(p.high)]), st.integers(int(p.low), int(p.high)))
    return st.one_of(
        st.sampled_from([float(p.low), float(p.high)]), st.floats(float(p.low), float(p.high), allow_nan=False)
    )


@st.composite
def overrides(draw: st.DrawFn, max_size: int = 12) -> dict:
    """A dict of dotted-key overrides: a random handful of declared parameters at random legal values."""
    chosen = draw(st.lists(st.sampled_from(NUMERIC), min_size=1, max_size=max_size, unique_by=lambda p: p.key))
    return {p.key: draw(value_of(p)) for p in chosen}
