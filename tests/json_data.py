"""Generated JSON data that RFC 8785 can spell (integers within 2**53, finite floats), shared by the tests of
canonical JSON and of the hashes made from it."""

from __future__ import annotations

from hypothesis import strategies as st

hashable_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)
