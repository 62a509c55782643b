import pytest

from partner_portal.blueprints.forms import is_safe_next


@pytest.mark.parametrize("target", ["/admin/", "/partner/?range=7d", "/admin/partners/3#notes"])
def test_local_paths_are_safe(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", [
    None, "", "//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil",
    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1", "http:/evil.example", "evil.example/path",
    "/\x00/evil", "/%0d%0aLocation:x".replace("%0d%0a", "\r\n"),
])
def test_offsite_or_malformed_targets_are_not(target):
    assert not is_safe_next(target)
